"""效能 (insights): the measures of the monthly efficiency review (流程效能评估), read from the flow's event log."""
