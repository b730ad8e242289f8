"""What the sample portals are: one spec per portal (family, host, categories, quirks) and the shared boilerplate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

SEED = 20250701


TZ = timezone(timedelta(hours=7))


PORTAL_IDS = ("sample-sp2010", "sample-liferay62", "sample-liferayqb", "sample-wordpress")


# Liferay 6.2 asset publisher pagination query (page number appended).
LIFERAY62_PAGER = (
    "p_p_id=101&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&p_p_col_id=column-1"
    "&p_p_col_pos=1&p_p_col_count=2&_101_delta=10&_101_keywords=&_101_advancedSearch=false"
    "&_101_andOperator=true&p_r_p_564233524_resetCur=false&_101_cur="
)


@dataclass(frozen=True)
class Category:
    """A news category of a portal."""

    name: str  # as displayed
    slug: str  # URL segment (or numeric id for liferay_qb)
    kind: str  # key into texts.TITLES


@dataclass(frozen=True)
class PortalSpec:
    """The fixed description of one sample portal."""

    id: str
    family: str
    name: str
    province: str
    district: str
    dk: str  # "huyện", "quận", "xã"
    places: str  # key into corpus.load_places()
    neighbour: str  # "Đắk R’lấp" or "Tuyên Hóa"
    categories: tuple[Category, ...]
    n_articles: int
    first: datetime
    last: datetime
    per_page: int = 10


SPECS: dict[str, PortalSpec] = {
    "sample-sp2010": PortalSpec(
        id="sample-sp2010",
        family="sharepoint2010",
        name="Trang thông tin điện tử huyện Krông Xanh",
        province="Đắk Nông",
        district="Krông Xanh",
        dk="huyện",
        places="daknong_krongno",
        neighbour="Đắk R’lấp",
        categories=(
            Category("tin nổi bật", "tin-noi-bat", "news"),
            Category("thông tin chỉ đạo điều hành", "thong-tin-chi-dao-dieu-hanh", "directive"),
            Category("Thông báo", "thong-bao", "notice"),
            Category("An ninh Quốc phòng", "an-ninh-quoc-phong", "security"),
            Category("Kinh tế", "kinh-te", "economy"),
            Category("Văn hóa - Xã hội", "van-hoa-xa-hoi", "culture"),
            Category("Hoạt động của lãnh đạo", "hoat-dong-cua-lanh-dao", "leaders"),
        ),
        n_articles=172,
        first=datetime(2016, 3, 1, tzinfo=TZ),
        last=datetime(2024, 6, 28, tzinfo=TZ),
    ),
    "sample-liferay62": PortalSpec(
        id="sample-liferay62",
        family="liferay62",
        name="Cổng thông tin điện tử quận Hồng Hà",
        province="Hà Nội",
        district="Hồng Hà",
        dk="quận",
        places="hanoi_longbien",
        neighbour="Đắk R’lấp",
        categories=(
            Category("Tin tức - Sự kiện", "tin-tuc-su-kien", "news"),
            Category("Thông báo", "thong-bao", "notice"),
            Category("Chỉ đạo điều hành", "chi-dao-dieu-hanh", "directive"),
            Category("Kinh tế - Đô thị", "kinh-te-do-thi", "economy"),
            Category("Văn hóa - Xã hội", "van-hoa-xa-hoi", "culture"),
            Category("An ninh - Quốc phòng", "an-ninh-quoc-phong", "security"),
        ),
        n_articles=180,
        first=datetime(2017, 1, 5, tzinfo=TZ),
        last=datetime(2024, 12, 20, tzinfo=TZ),
    ),
    "sample-liferayqb": PortalSpec(
        id="sample-liferayqb",
        family="liferay_qb",
        name="Trang thông tin điện tử huyện Tuyên Sơn",
        province="Quảng Bình",
        district="Tuyên Sơn",
        dk="huyện",
        places="quangbinh_tuyenhoa",
        neighbour="Tuyên Hóa",
        categories=(
            Category("Tin tức - Sự kiện", "101", "news"),
            Category("Chỉ đạo điều hành", "102", "directive"),
            Category("Thông báo", "103", "notice"),
            Category("Quốc phòng - An ninh", "104", "security"),
            Category("Kinh tế", "105", "economy"),
            Category("Văn hóa - Xã hội", "106", "culture"),
        ),
        n_articles=165,
        first=datetime(2018, 2, 1, tzinfo=TZ),
        last=datetime(2025, 5, 30, tzinfo=TZ),
    ),
    "sample-wordpress": PortalSpec(
        id="sample-wordpress",
        family="wordpress",
        name="Cổng thông tin điện tử xã Nhân Hòa",
        province="Đắk Nông",
        district="Nhân Hòa",
        dk="xã",
        places="daknong_dakrlap",
        neighbour="Đắk R’lấp",
        categories=(
            Category("Tin tức", "tin-tuc", "news"),
            Category("Thông báo", "thong-bao", "notice"),
            Category("Văn bản chỉ đạo", "van-ban-chi-dao", "directive"),
            Category("Kinh tế - Nông nghiệp", "kinh-te-nong-nghiep", "economy"),
            Category("Văn hóa - Xã hội", "van-hoa-xa-hoi", "culture"),
            Category("Quốc phòng - An ninh", "quoc-phong-an-ninh", "security"),
        ),
        n_articles=175,
        first=datetime(2019, 1, 3, tzinfo=TZ),
        last=datetime(2025, 6, 25, tzinfo=TZ),
    ),
}


# Boilerplate strings the pages of each family carry (truth "must_not_contain").
BOILERPLATE: dict[str, tuple[str, ...]] = {
    "sharepoint2010": (
        "Giấy phép số",
        "TIN ĐÃ ĐƯA",
        "Số lượt người xem",
        "Soạn bài viết",
        "Quản trị tin tức",
        "Bản in",
        "Quay lại",
        "Xem chi tiết",
        "Thăm dò ý kiến",
        "Trưởng Ban biên tập",
    ),
    "liferay62": (
        "Truy cập nội dung luôn",
        "Tin liên quan",
        "Lượt xem",
        "Bản in",
        "Đánh giá bài viết",
        "Giấy phép số",
        "Thống kê truy cập",
    ),
    "liferay_qb": (
        "Bình chọn",
        "Theo bạn thông tin nội dung website thế nào",
        "Thống kê truy cập",
        "Xem với cỡ chữ",
        "Các tin khác",
        "Giấy phép số",
        "ĐẤU THẦU - MUA SẮM CÔNG",
    ),
    "wordpress": (
        "Bài viết mới",
        "Để lại một bình luận",
        "Thống kê truy cập",
        "Bản quyền thuộc về",
        "Điều hướng bài viết",
        "Chia sẻ",
    ),
}
