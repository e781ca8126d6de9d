"""Channels: how requests reach sladesk and how answers leave it, one package per channel.

Each channel keeps its pure parsing (bytes in, frozen values out, no I/O) apart from a thin
I/O shell (servers, pollers, senders) that calls the public use cases of
:mod:`sladesk.services`.
"""
