"""Token management: people list and revoke their own tokens, admins everyone's; a secret is
never shown again after issue."""

from __future__ import annotations

import pytest
from desk_fixtures import Desk

from sladesk import services as s


def test_people_list_their_own_tokens_and_admins_everyones(desk: Desk) -> None:
    mine = s.create_api_token(desk.uow, desk.clock, desk.alice, name="laptop")
    theirs = s.create_api_token(desk.uow, desk.clock, desk.admin, contact_id=desk.bob.id)
    agents = s.create_api_token(desk.uow, desk.clock, desk.agent, name="cli")
    assert [t.id for t in s.list_api_tokens(desk.uow, desk.clock, desk.alice)] == [mine.token.id]
    assert [t.id for t in s.list_api_tokens(desk.uow, desk.clock, desk.agent)] == [agents.token.id]
    everyone = s.list_api_tokens(desk.uow, desk.clock, desk.admin, everyone=True)
    assert [t.id for t in everyone] == [agents.token.id, theirs.token.id, mine.token.id]
    assert all(mine.secret not in repr(t) for t in everyone)  # the secret is shown once
    with pytest.raises(s.Forbidden):
        s.list_api_tokens(desk.uow, desk.clock, desk.agent, everyone=True)


def test_people_revoke_their_own_tokens_only(desk: Desk) -> None:
    alices = s.create_api_token(desk.uow, desk.clock, desk.alice, name="laptop")
    with pytest.raises(s.NotFound):  # not hers: as if it did not exist
        s.revoke_api_token(desk.uow, desk.clock, desk.bob, alices.token.id)
    with pytest.raises(s.NotFound):
        s.revoke_api_token(desk.uow, desk.clock, desk.agent, alices.token.id)
    revoked = s.revoke_api_token(desk.uow, desk.clock, desk.alice, alices.token.id)
    assert revoked.revoked_at == desk.clock.now()
    with pytest.raises(s.AuthenticationFailed):
        s.authenticate_token(desk.uow, desk.clock, alices.secret)
    again = s.revoke_api_token(desk.uow, desk.clock, desk.admin, alices.token.id)
    assert again.revoked_at == revoked.revoked_at  # revoking twice changes nothing
    listed = s.list_api_tokens(desk.uow, desk.clock, desk.alice)
    assert [(t.id, t.revoked_at) for t in listed] == [(alices.token.id, revoked.revoked_at)]
