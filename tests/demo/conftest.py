from tests.approvals.conftest import demo  # noqa: F401  # the demo organisation and catalogue, as the 审批中心 tests use it
