"""Published policy versions: the file's text as written, effective from publication; one is
current. Parsed policies are cached per version id (calendars are costly to compile)."""

from __future__ import annotations

from sqlalchemy import select, update

from sladesk.policy import Policy, load_policy
from sladesk.store._caches import Caches
from sladesk.store._db import Db, Repository
from sladesk.store._tables import PolicyVersion
from sladesk.tickets import NotFound

#: built once (its cache key kept with it): every ticket creation runs it
_CURRENT_ID = (
    select(PolicyVersion.id)
    .where(PolicyVersion.current.is_(True))
    .order_by(PolicyVersion.id.desc())
    .limit(1)
)


class PolicyRepository(Repository):
    __slots__ = ("caches",)

    def __init__(self, db: Db, caches: Caches) -> None:
        super().__init__(db)
        self.caches = caches

    def current(self, *, for_update: bool = False) -> PolicyVersion | None:
        stmt = select(PolicyVersion).where(PolicyVersion.current.is_(True))
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt.order_by(PolicyVersion.id.desc()).limit(1)).scalar()

    def current_id(self) -> int | None:
        """The current version's id (not its text: :meth:`parsed` has the policy cached)."""
        return self.db.execute(_CURRENT_ID).scalar()

    def get(self, version_id: int) -> PolicyVersion:
        row = self.session.get(PolicyVersion, version_id)
        if row is None:
            raise NotFound("policy version", version_id)
        return row

    def versions(self) -> list[PolicyVersion]:
        stmt = select(PolicyVersion).order_by(PolicyVersion.id.desc())
        return list(self.session.execute(stmt).scalars())

    def version_ids(self) -> list[int]:
        """Every version's id, newest first (:meth:`parsed` has the policies cached)."""
        stmt = select(PolicyVersion.id).order_by(PolicyVersion.id.desc())
        return [int(i) for i in self.db.execute(stmt).scalars()]

    def add_current(self, row: PolicyVersion) -> PolicyVersion:
        self.session.execute(
            update(PolicyVersion).where(PolicyVersion.current.is_(True)).values(current=False)
        )
        row.current = True
        self.session.add(row)
        self.session.flush()
        return row

    def parsed(self, version_id: int | None) -> Policy | None:
        """The policy of a stored version, parsed once per process."""
        if version_id is None:
            return None
        cached = self.caches.policy(version_id)
        if cached is not None:
            return cached
        row = self.get(version_id)
        policy = load_policy(row.text, f"<policy version {row.id}: {row.name} {row.version}>")
        self.caches.keep_policy(version_id, policy)
        return policy
