"""The plain data the engine works on: one partnership profile, as the engine needs it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Story:
    """A story an experienced partnership published: what it tried, what worked and what did not."""

    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Profile:
    """One partnership as the engine sees it: what it asks, what it offers, and who it is."""

    key: str
    name: str
    sectors: tuple[str, ...]
    founded: int
    region: str | None = None
    description: str = ""
    challenges: str = ""
    experiences: str = ""
    open_to_mentor: bool = True
    mentor_capacity: int = 2
    stories: tuple[
        Story, ...
    ] = ()  # public stories only: the engine quotes them as evidence to anyone

    @property
    def offer_text(self) -> str:
        """What the partnership can share: its experiences and its stories (titles and texts)."""
        if not self.stories:
            return self.experiences
        parts = [self.experiences] + [f"{s.title}\n{s.text}" for s in self.stories]
        return "\n\n".join(p for p in parts if p.strip())

    @classmethod
    def from_dict(cls, data: dict) -> Profile:
        """From a record of the exchange format (fields the engine does not use are ignored)."""
        return cls(
            key=data["key"],
            name=data["name"],
            sectors=tuple(data.get("sectors") or ()),
            founded=int(data["founded"]),
            region=data.get("region") or None,
            description=data.get("description") or "",
            challenges=data.get("challenges") or "",
            experiences=data.get("experiences") or "",
            open_to_mentor=bool(data.get("open_to_mentor", True)),
            mentor_capacity=int(data.get("mentor_capacity", 2)),
            stories=tuple(
                Story(s.get("title") or "", s.get("text") or "")
                for s in data.get("stories") or ()
                if isinstance(s, dict) and s.get("visibility", "public") == "public"
            ),
        )
