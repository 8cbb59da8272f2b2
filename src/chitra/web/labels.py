"""Choice labels shown in the UI, listed for ``makemessages``.

Model choices are written in Vietnamese without ``gettext`` (models stay free of i18n); the
templates translate them at render time with ``{% translate obj.get_x_display %}``. Listing
the labels here keeps them in the English catalog. ``tests/web/test_i18n.py`` fails when a
label is added to a model and not here.
"""

from django.utils.translation import gettext_noop as _

LABELS = (
    # BenefitType
    _("Lương hưu"), _("Trợ cấp BHXH hàng tháng"), _("Trợ cấp thất nghiệp"), _("BHXH một lần"),
    _("Ốm đau"), _("Thai sản"), _("Dưỡng sức phục hồi sức khỏe"), _("Mai táng phí"),
    _("Tử tuất một lần"),
    # BenefitGroup
    _("Hàng tháng"), _("Một lần / ngắn hạn"),
    # Channel
    _("Tiền mặt"), _("Tài khoản ngân hàng"), _("Ví điện tử"),
    # BeneficiaryStatus, BenefitStatus
    _("Đang hưởng"), _("Tạm dừng"), _("Đã chết"), _("Đã kết thúc"),
    # SexChoice
    _("Nam"), _("Nữ"),
    # AnomalyKind
    _("Một tài khoản dùng cho nhiều người hưởng"), _("Tên chủ tài khoản khác tên người hưởng"),
    _("Trùng mã số BHXH"),
    # Role (shown next to the user's name)
    _("Cán bộ BHXH"), _("Lãnh đạo duyệt BHXH"), _("Thành viên tổ công tác"),
    _("Nhân viên ngân hàng"), _("Nhân viên bưu điện"), _("Cán bộ công an xác minh"),
    _("Xem báo cáo"), _("Cán bộ BHXH Việt Nam (chỉ tiêu, số liệu cả nước)"),
    # OrganizationKind of the national office
    _("BHXH Việt Nam"),
    # Report reminders (reporting.deadlines)
    _("Báo cáo tháng của phường/xã"), _("Báo cáo tháng của tỉnh"),
    _("Báo cáo năm gửi Ngân hàng Nhà nước"),
    # ItemStatus
    _("Chờ xuất"), _("Đã gửi"), _("Ngân hàng đã nhận"), _("Đã chi"), _("Bị từ chối"),
    _("Bị hoàn trả"), _("Huỷ"),
    # AccountChangeStatus
    _("Chờ duyệt"), _("Đã duyệt lần một, chờ người duyệt thứ hai"), _("Đã duyệt"),
    _("Không duyệt"), _("Đã thay bằng đề nghị mới"),
    # ImportStatus
    _("Đang chờ"), _("Đang xử lý"), _("Bị từ chối (có lỗi)"),
    _("Đã kiểm tra (chạy thử, không thay đổi)"), _("Đã nhập"), _("Lỗi hệ thống"),
    # Import column headers (registry.importing.columns)
    _("Số định danh cá nhân"), _("Họ và tên"), _("Mã phường/xã"),
    _("Mã phường/xã trước 01/07/2025"), _("Số điện thoại"), _("Ngày bắt đầu hưởng"),
    _("Mã điểm chi trả"),
)
