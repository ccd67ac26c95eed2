"""Kept for code outside the engine that imports from ``sanfu.workflow.engine.model``, which used to hold the
engine's data and ``apply``; they now live in :mod:`.statuses`, :mod:`.moments`, :mod:`.tasks`, :mod:`.state`,
:mod:`.state_json`, :mod:`.events`, :mod:`.commands` and :mod:`.transition`. New code imports from
``sanfu.workflow.engine`` or from the module that defines the name; these re-exports go once the callers
have moved."""

from sanfu.workflow.engine.commands import Command
from sanfu.workflow.engine.events import Event, Notify, StartSubprocess
from sanfu.workflow.engine.statuses import ENDED, LIVE
from sanfu.workflow.engine.tasks import Task

__all__ = ["ENDED", "LIVE", "Command", "Event", "Notify", "StartSubprocess", "Task"]
