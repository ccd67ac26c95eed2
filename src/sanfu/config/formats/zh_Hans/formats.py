"""简体中文: amounts of money are grouped by thousands (1,340,000.00) where a template asks for grouping
(``floatformat:"2g"``), as the finance office writes them; Django's zh_Hans formats do not group."""

NUMBER_GROUPING = 3
THOUSAND_SEPARATOR = ","
