"""值班安排 writes, re-exported so callers write ``services.<name>``."""

from sanfu.duty.services.log import (
    EntryIn,
    handover_confirm,
    handover_write,
    incident_acknowledge,
    incidents_escalate,
    log_write,
    next_shift_of,
    reminders_send,
)
from sanfu.duty.services.roster import RotaIn, roster_clear, roster_generate, rota_save, shift_reassign, slots_of
from sanfu.duty.services.swaps import (
    access_swap,
    may_approve,
    swap_agree,
    swap_approve,
    swap_cancel,
    swap_decline,
    swap_reject,
    swap_request,
)

__all__ = [
    "EntryIn",
    "RotaIn",
    "access_swap",
    "handover_confirm",
    "handover_write",
    "incident_acknowledge",
    "incidents_escalate",
    "log_write",
    "may_approve",
    "next_shift_of",
    "reminders_send",
    "roster_clear",
    "roster_generate",
    "rota_save",
    "shift_reassign",
    "slots_of",
    "swap_agree",
    "swap_approve",
    "swap_cancel",
    "swap_decline",
    "swap_reject",
    "swap_request",
]
