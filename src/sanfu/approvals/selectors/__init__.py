"""The 审批中心's reads, each scoped to the person asking: the inbox (``inbox``), the catalogue and what a
start needs (``catalogue``), what a viewer may do on an instance (``actions``) and what its page shows
(``instance``)."""
