from django.urls import path

from chitra.outreach import views

urlpatterns = [
    path("", views.worklist_view, name="outreach_worklist"),
    path("contact/<int:beneficiary_id>/", views.contact_form, name="outreach_contact"),
    path("api/contacts/", views.contact_api, name="outreach_contact_api"),
    path("change/<int:beneficiary_id>/", views.method_change_form,
         name="outreach_method_change"),
    path("changes/", views.method_change_queue, name="outreach_method_changes"),
    path("changes/<int:pk>/", views.method_change_decide, name="outreach_method_change_decide"),
    path("changes/<int:pk>/letter", views.method_change_letter,
         name="outreach_method_change_letter"),
    path("campaigns/", views.campaign_list, name="outreach_campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="outreach_campaign"),
    path("campaigns/<int:pk>/report.xlsx", views.campaign_report_xlsx,
         name="outreach_campaign_report"),
    path("campaigns/<int:pk>/report.pdf", views.campaign_report_pdf,
         name="outreach_campaign_report_pdf"),
    path("reports/", views.report_queue, name="outreach_reports"),
    path("reports/<int:pk>/", views.report_review, name="outreach_report_review"),
    path("notices/letters/", views.notice_letters, name="outreach_letters"),
    path("notices/sms.csv", views.notice_sms_csv, name="outreach_sms"),
    path("referrals/", views.referral_desk, name="outreach_referrals"),
    path("referrals/<int:pk>/", views.referral_step, name="outreach_referral_step"),
]
