"""Thin Open Builder skill handlers: parse params -> call a service -> build a SkillResponse.

Importing this package registers every skill; `blueprint` serves them at `/skills/<name>`.
"""

from skills import hotdeals, listings, members, notices, trades, welcome  # noqa: F401  (registration by import)
from skills.dispatch import blueprint

__all__ = ["blueprint"]
