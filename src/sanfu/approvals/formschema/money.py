"""Money: 人民币大写 and the stored form of an amount (a string with two places)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** 16  # 人民币大写 goes up to 万亿 (9999万亿)

_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _capitals_4(n: int) -> str:
    out: list[str] = []
    pending_zero = False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = n // 10**power % 10
        if digit == 0:
            pending_zero = pending_zero or bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)


def _capitals_int(n: int) -> str:
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        unit, threshold = "亿", 10**7
    elif n >= 10**4:
        high, low = divmod(n, 10**4)
        unit, threshold = "万", 10**3
    else:
        return _capitals_4(n)
    text = _capitals_int(high) + unit
    if low:
        text += ("零" if low < threshold else "") + _capitals_int(low)
    return text


def money_in_capitals(amount: Decimal | int | str) -> str:
    """人民币大写: 12345.67 → 壹万贰仟叁佰肆拾伍元陆角柒分, 100 → 壹佰元整, 0 → 零元整, 1005.01 → 壹仟零伍元零壹分.

    Rounds half up to the fen; negative amounts get 负; raises ValueError beyond 9999万亿 or for non-numbers.
    """
    try:
        value = Decimal(amount)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValueError(f"不是金额：{amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"不是金额：{amount!r}")
    value = value.quantize(CENT, ROUND_HALF_UP)
    negative, value = value < 0, abs(value)
    if value >= MONEY_LIMIT:
        raise ValueError("金额过大")
    yuan, cents = divmod(int(value * 100), 100)
    jiao, fen = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    parts: list[str] = []
    if yuan:
        parts += [_capitals_int(yuan), "元"]
    if cents == 0:
        parts.append("整")
    else:
        if jiao:
            parts.append(_DIGITS[jiao] + "角")
        elif yuan:
            parts.append("零")
        if fen:
            parts.append(_DIGITS[fen] + "分")
    return ("负" if negative and value else "") + "".join(parts)


def format_money(value: Decimal) -> str:
    return str(value.quantize(CENT, ROUND_HALF_UP))
