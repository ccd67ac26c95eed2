from django.contrib import admin

from sanfu.core.admin import AuditedAdmin
from sanfu.org.models import CalendarDay, Department, Position, Post, Staff, Unit


class UnitAdmin(AuditedAdmin):
    list_display = ("name", "code", "parent", "level")


class DepartmentAdmin(AuditedAdmin):
    list_display = ("name", "unit", "parent", "leader_in_charge", "is_active")
    list_filter = ("unit", "is_active")
    search_fields = ("name", "code")
    raw_id_fields = ("leader_in_charge", "parent")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # Keep the materialised path right when a department is added or moved here.
        obj.depth = (obj.parent.depth + 1) if obj.parent else 1
        super().save_model(request, obj, form, change)
        path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        if path != obj.path:
            old = obj.path
            Department.objects.filter(pk=obj.pk).update(path=path)
            if old:
                for child in Department.objects.filter(path__startswith=old).exclude(pk=obj.pk):
                    child.path = path + child.path[len(old) :]
                    child.depth = child.path.count("/") - 1
                    child.save(update_fields=["path", "depth"])


class PostInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Post
    extra = 0
    raw_id_fields = ("department",)


class StaffAdmin(AuditedAdmin):
    list_display = ("user", "employee_no", "unit", "rank", "title")
    list_filter = ("unit", "rank")
    search_fields = ("user__full_name", "user__username", "employee_no")
    raw_id_fields = ("user",)
    inlines = [PostInline]


class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "kind", "note")


class PositionAdmin(AuditedAdmin):
    list_display = ("name", "code", "unit")


admin.site.register(Unit, UnitAdmin)
admin.site.register(Department, DepartmentAdmin)
admin.site.register(Position, PositionAdmin)
admin.site.register(Staff, StaffAdmin)
admin.site.register(CalendarDay, CalendarDayAdmin)
# Delegations and secretaries are not here: only the person (or their recorded secretary) may delegate, so
# no administrator can edit them into routing a leader's sign-offs elsewhere (org.services).
