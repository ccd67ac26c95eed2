"""One exception root for the flow engine."""

from __future__ import annotations


class FlowError(Exception):
    """Anything the engine refuses. ``message`` is meant for people (Chinese), ``code`` for programs."""

    code = "flow_error"

    def __init__(self, message: str, *, code: str | None = None, node: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.node = node


class InvalidDefinitionError(FlowError):
    """A process definition that cannot run; ``problems`` lists every problem found, each with its node."""

    code = "invalid_definition"

    def __init__(self, problems: list[tuple[str | None, str]]):
        self.problems = problems
        text = "；".join(f"[{node}] {message}" if node else message for node, message in problems)
        super().__init__(f"流程定义有误：{text}")


class ActionNotAllowedError(FlowError):
    """A command that is not allowed in the instance's current state, with the exact reason."""

    code = "action_not_allowed"
