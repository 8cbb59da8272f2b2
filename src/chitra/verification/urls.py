"""Mounted at ``verification/`` by the site urls."""

from django.urls import path

from chitra.verification import views, views_review

urlpatterns = [
    path("", views.batch_list, name="verification_batches"),
    path("due/", views.due, name="verification_due"),
    path("review/", views_review.queue, name="verification_review"),
    path("review/<int:pk>/propose/", views_review.propose, name="verification_propose"),
    path("review/<int:pk>/decide/", views_review.decide, name="verification_decide"),
    path("<int:pk>/", views.batch_detail, name="verification_batch"),
    path("<int:pk>/request.xlsx", views.request_file, name="verification_request_file"),
    path("<int:pk>/answer/", views.answer_file, name="verification_answer_file"),
]
