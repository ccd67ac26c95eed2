"""通知公告: the announcement, its stored recipients (read receipts), attachments and sign-ups."""
