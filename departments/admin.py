from django.contrib import admin

from departments.models import Department, Region, StaffMembership


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "code", "region", "phone", "is_active"]
    list_filter = ["is_active", "region__level", "region"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["region", "parent"]
    list_select_related = ["region"]
    inlines = [StaffMembershipInline]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["staff_number", "user", "department", "role", "is_active"]
    list_filter = ["role", "is_active", "department__region"]
    search_fields = ["staff_number", "user__username", "user__real_name", "department__name"]
    autocomplete_fields = ["user", "department"]
    list_select_related = ["user", "department"]
