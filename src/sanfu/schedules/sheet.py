"""The printable week sheet (the paper the office posts): the unit's leaders and their 公开 entries, Monday to
Sunday, morning and afternoon, on A4 landscape, laid out by WeasyPrint in the font 公文 use for 黑体/宋体."""

from __future__ import annotations

import html
from datetime import date, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sanfu.core.gbt9704.fonts import resolve
from sanfu.org.models import Unit
from sanfu.schedules import rights, selectors
from sanfu.schedules.models import ScheduleEntry


def _cell(entries: list[ScheduleEntry]) -> str:
    lines = []
    for e in entries:
        when = "" if e.all_day else timezone.localtime(e.starts_at).strftime("%H:%M") + " "
        place = _("（%(place)s）") % {"place": html.escape(e.place)} if e.place else ""
        lines.append(f"<div>{when}{html.escape(e.title)}{place}</div>")
    return "".join(lines)


def week_sheet_html(unit_id: int, monday: date) -> str:
    unit = Unit.objects.get(pk=unit_id)
    entries = selectors.week_entries(unit_id, monday, public_only=True)
    sunday = monday + timedelta(days=6)
    head = "".join(
        f"<th>{date_format(monday + timedelta(days=i), 'l')}<br>{(monday + timedelta(days=i)).strftime('%m-%d')}</th>"
        for i in range(7)
    )
    body = []
    for leader in rights.leaders_of(unit_id):
        mine = [e for e in entries if e.leader_id == leader.pk]
        for half, (begin, finish) in enumerate(selectors.HALVES):
            cells = []
            for i in range(7):
                day = monday + timedelta(days=i)
                lo, hi = selectors.moment(day, begin), selectors.moment(day, finish)
                weekend = ' class="rest"' if day.weekday() >= 5 else ""
                cells.append(f"<td{weekend}>{_cell([e for e in mine if e.starts_at < hi and lo < e.ends_at])}</td>")
            title = getattr(leader, "post_title", "")
            name = (
                f'<th rowspan="2" class="who">{html.escape(leader.display_name)}'
                f'<div class="title">{html.escape(title)}</div></th>'
                if half == 0
                else ""
            )
            label = _("上午") if half == 0 else _("下午")
            body.append(f"<tr>{name}<th class='half'>{label}</th>{''.join(cells)}</tr>")
    heading = _("%(unit)s领导一周工作安排") % {"unit": html.escape(unit.name)}
    iso_year, iso_week, _weekday = monday.isocalendar()
    period = _("%(start)s 至 %(end)s（%(year)d年第%(week)d周）") % {
        "start": date_format(monday),
        "end": date_format(sunday),
        "year": iso_year,
        "week": iso_week,
    }
    footer = _("注：本表只列公开安排，如有变动以办公室通知为准。%(unit)s办公室 %(day)s印发") % {
        "unit": html.escape(unit.name),
        "day": date_format(timezone.localdate()),
    }
    font = resolve("heading1")
    body_font = resolve("page_number")
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: "{body_font}", serif; font-size: 10pt; }}
h1 {{ font-family: "{font}", sans-serif; text-align: center; font-size: 20pt; margin: 0 0 2mm; letter-spacing: 1pt; }}
p.period {{ text-align: center; margin: 0 0 4mm; font-size: 11pt; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
th, td {{ border: 0.75pt solid #000; padding: 1.5mm; vertical-align: top; }}
thead th {{ background: #f0f0f0; }}
th {{ font-family: "{font}", sans-serif; font-weight: normal; }}
th.who {{ width: 22mm; vertical-align: middle; }} th.half {{ width: 10mm; vertical-align: middle; }}
th.who .title {{ font-family: "{body_font}", serif; font-size: 8.5pt; margin-top: 1mm; }}
td {{ height: 13mm; }} td.rest {{ background: #fafafa; }}
p.footer {{ margin: 3mm 0 0; font-size: 9pt; text-align: right; }}
</style></head><body><h1>{heading}</h1><p class="period">{period}</p>
<table><thead><tr><th class="who">{_("领导")}</th><th class="half"></th>{head}</tr></thead>
<tbody>{"".join(body)}</tbody></table><p class="footer">{footer}</p></body></html>"""


def week_sheet_pdf(unit_id: int, monday: date) -> bytes:
    from weasyprint import HTML

    return HTML(string=week_sheet_html(unit_id, monday)).write_pdf() or b""
