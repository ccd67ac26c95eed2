from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfu.core.forms import StyledForm
from sanfu.hardship.models import LEVELS, Method
from sanfu.org.clearance import Level


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ApplicationForm(StyledForm):
    reason = forms.CharField(label=_("申请事由"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    family_situation = forms.CharField(label=_("家庭情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    amount_requested = forms.DecimalField(
        label=_("申请金额（元）"), max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    confidentiality = forms.ChoiceField(label=_("密级"), choices=LEVELS, initial=Level.SECRET)
    attachments = MultipleFileField(label=_("证明材料"), required=False)


class ApproveForm(StyledForm):
    amount = forms.DecimalField(label=_("批准金额（元）"), max_digits=10, decimal_places=2, required=False)
    comment = forms.CharField(label=_("意见"), max_length=1000, required=False)


class RejectForm(StyledForm):
    comment = forms.CharField(label=_("不予批准的理由"), max_length=1000)


class PaymentForm(StyledForm):
    amount = forms.DecimalField(label=_("发放金额（元）"), max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label=_("发放日期"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("发放方式"), choices=Method.choices)
    voucher_no = forms.CharField(label=_("凭证号"), max_length=40)
