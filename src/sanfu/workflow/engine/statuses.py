"""The status names of an instance and of its tasks (plain strings: they are written as they are in the
state's JSON and in the database)."""

# Instance status
DRAFT, RUNNING, RETURNED = "draft", "running", "returned"
APPROVED, REJECTED, WITHDRAWN, CANCELLED = "approved", "rejected", "withdrawn", "cancelled"
ENDED = frozenset({APPROVED, REJECTED, WITHDRAWN, CANCELLED})

# Task status
OPEN, WAITING = "open", "waiting"  # waiting: a later signer in 依次, or a holder waiting on 前加签
TASK_DONE = frozenset({"approved", "rejected", "done", "returned"})
UNREAD, READ = "unread", "read"  # 抄送 / 备案 notices
T_APPROVED, T_REJECTED, T_DONE, T_RETURNED = "approved", "rejected", "done", "returned"
T_CANCELLED, T_TRANSFERRED = "cancelled", "transferred"
LIVE = frozenset({OPEN, WAITING})
