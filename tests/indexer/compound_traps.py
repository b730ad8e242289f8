"""Compound traps for the relevance set: articles where a query's syllables form a real word,
and articles where the same syllables only stand side by side across two words.

Written for the tests (no real article copied).  Each article says, judged by hand,
for which queries it holds the real compound (``real``) and for which it is a trap
(``trap``: the syllables adjacent, across a word boundary or punctuation).  A trap
article carries the syllables in its title and twice in its body; a real article
only once, in its body: a ranking that ignores words puts the traps first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PORTAL = "sample-traps"


@dataclass(frozen=True)
class TrapArticle:
    """One hand-written article of the trap set."""

    key: str
    title: str
    body: str
    real: tuple[str, ...] = ()  # queries for which it holds the compound
    trap: tuple[str, ...] = ()  # queries whose syllables it has side by side, not as a word
    published: str = "2024-05-01"
    extra: dict[str, str] = field(default_factory=dict)


ARTICLES = [
    TrapArticle(
        "bo-truong-real",
        "Làm việc với đoàn công tác của Trung ương về sắp xếp đơn vị",
        "Chiều 12/5, Bộ trưởng Bộ Nội vụ làm việc với lãnh đạo tỉnh về việc sắp xếp đơn vị "
        "hành chính cấp xã. Đoàn ghi nhận những kết quả tỉnh đã đạt được.",
        real=("bộ trưởng",),
    ),
    TrapArticle(
        "bo-truong-trap",
        "Bồi dưỡng nghiệp vụ cho cán bộ trưởng thôn, bon",
        "Huyện mở lớp bồi dưỡng cho 120 cán bộ trưởng thôn, bon trên địa bàn. Các học viên "
        "là cán bộ trưởng thôn được hướng dẫn kỹ năng hòa giải ở cơ sở.",
        real=("trưởng thôn",),
        trap=("bộ trưởng",),
    ),
    TrapArticle(
        "hoa-binh-real",
        "Giao lưu văn nghệ chào mừng ngày Thống nhất đất nước",
        "Các tiết mục ca ngợi quê hương, khát vọng hòa bình của nhân dân các dân tộc. "
        "Chương trình thu hút đông đảo người xem.",
        real=("hòa bình", "đất nước"),
    ),
    TrapArticle(
        "hoa-binh-trap",
        "Đoàn kiểm tra nông thôn mới làm việc tại xã Nhân Hòa, Bình Minh",
        "Đoàn đã kiểm tra các tiêu chí tại xã Nhân Hòa, Bình Minh và Quảng Tâm. Tại xã "
        "Nhân Hòa, Bình Minh, tiêu chí về giao thông đạt yêu cầu.",
        real=("nông thôn",),
        trap=("hòa bình",),
    ),
    TrapArticle(
        "cong-an-real",
        "Tăng cường tuần tra bảo đảm trật tự dịp lễ",
        "Lực lượng công an xã phối hợp dân quân tuần tra ban đêm tại các thôn, bon. "
        "Nhờ vậy tình hình trật tự được giữ vững.",
        real=("công an",),
    ),
    TrapArticle(
        "cong-an-trap",
        "Yêu cầu nhà thầu thi công an toàn, đúng tiến độ",
        "Chủ đầu tư yêu cầu nhà thầu thi công an toàn cho người và phương tiện. Việc thi công "
        "an toàn phải được giám sát hằng ngày.",
        real=("an toàn",),
        trap=("công an",),
    ),
    TrapArticle(
        "an-toan-trap",
        "Lực lượng công an, toàn thể dân quân ra quân trấn áp tội phạm",
        "Sáng nay, lực lượng công an, toàn thể dân quân xã ra quân đợt cao điểm. Công an, "
        "toàn thể dân quân đã lập 15 chốt kiểm soát.",
        real=("công an",),
        trap=("an toàn",),
    ),
    TrapArticle(
        "truong-ban-real",
        "Hội nghị triển khai công tác dân vận năm 2024",
        "Đồng chí Trưởng ban Dân vận Huyện ủy chủ trì hội nghị. Các đại biểu thảo luận "
        "nhiệm vụ trọng tâm của năm.",
        real=("trưởng ban",),
    ),
    TrapArticle(
        "truong-ban-trap",
        "Bộ trưởng ban hành Thông tư hướng dẫn quản lý hồ sơ",
        "Bộ trưởng ban hành Thông tư quy định việc quản lý hồ sơ cán bộ. Thông tư mà Bộ "
        "trưởng ban hành có hiệu lực từ tháng 7.",
        real=("bộ trưởng",),
        trap=("trưởng ban",),
    ),
    TrapArticle(
        "tai-chinh-real",
        "Hướng dẫn quyết toán vốn đầu tư công",
        "Phòng Tài chính - Kế hoạch huyện hướng dẫn các xã quyết toán vốn đầu tư công. "
        "Hạn nộp hồ sơ là cuối tháng 6.",
        real=("tài chính",),
    ),
    TrapArticle(
        "tai-chinh-trap",
        "Nghiệm thu đề tài chính sách hỗ trợ nông dân trồng cà phê",
        "Hội đồng khoa học nghiệm thu đề tài chính sách hỗ trợ nông dân. Đề tài chính sách "
        "này được đánh giá cao về tính thực tiễn.",
        real=("chính sách", "nông dân"),
        trap=("tài chính",),
    ),
    TrapArticle(
        "sinh-hoat-real",
        "Nâng cao chất lượng hoạt động của chi bộ",
        "Các chi bộ duy trì sinh hoạt định kỳ hằng tháng, nội dung gắn với nhiệm vụ chính "
        "trị của địa phương.",
        real=("sinh hoạt",),
    ),
    TrapArticle(
        "sinh-hoat-trap",
        "Học sinh hoạt động ngoại khóa trong dịp hè",
        "Hơn 300 học sinh hoạt động ngoại khóa tại nhà văn hóa huyện. Các em học sinh hoạt "
        "động theo nhóm dưới sự hướng dẫn của giáo viên.",
        real=("học sinh",),
        trap=("sinh hoạt",),
    ),
    TrapArticle(
        "dong-vien-real",
        "Thăm hỏi gia đình chính sách nhân ngày 27/7",
        "Lãnh đạo huyện đến thăm hỏi, động viên các gia đình có công với cách mạng và trao "
        "quà tặng.",
        real=("động viên",),
    ),
    TrapArticle(
        "dong-vien-trap",
        "Vận động viên của huyện đạt 5 huy chương vàng",
        "Tại đại hội thể dục thể thao tỉnh, vận động viên của huyện đạt 5 huy chương vàng. "
        "Các vận động viên được khen thưởng.",
        trap=("động viên",),
    ),
    TrapArticle(
        "truong-hoc-real",
        "Huyện đầu tư xây dựng cơ sở vật chất cho giáo dục",
        "Năm nay huyện dành 20 tỷ đồng xây dựng trường học đạt chuẩn quốc gia ở các xã vùng sâu.",
        real=("trường học",),
    ),
    TrapArticle(
        "truong-hoc-trap",
        "Xây dựng môi trường học tập thân thiện",
        "Nhà trường chú trọng xây dựng môi trường học tập thân thiện, an toàn. Môi trường "
        "học tập tốt giúp các em tiến bộ.",
        trap=("trường học",),
    ),
    TrapArticle(
        "nhan-vien-real",
        "Trạm y tế xã được bổ sung nhân lực",
        "Trạm y tế xã vừa được bổ sung hai nhân viên y tế có trình độ cao đẳng.",
        real=("nhân viên",),
    ),
    TrapArticle(
        "nhan-vien-trap",
        "Khen thưởng tập thể, cá nhân viên chức có thành tích xuất sắc",
        "Huyện khen thưởng 12 tập thể, 30 cá nhân viên chức có thành tích xuất sắc. Các cá "
        "nhân viên chức được tặng giấy khen.",
        real=("viên chức",),
        trap=("nhân viên",),
    ),
    TrapArticle(
        "dat-nuoc-trap",
        "Quan trắc ô nhiễm đất, nước tại cụm công nghiệp",
        "Trung tâm quan trắc lấy mẫu đất, nước quanh cụm công nghiệp. Kết quả ô nhiễm đất, "
        "nước sẽ được công bố trong tháng.",
        trap=("đất nước",),
    ),
    TrapArticle(
        "nha-nuoc-real",
        "Tăng cường hiệu lực quản lý về đất đai",
        "Hội nghị bàn giải pháp để Nhà nước quản lý tốt đất đai và khoáng sản.",
        real=("nhà nước",),
    ),
    TrapArticle(
        "nha-nuoc-trap",
        "Hỗ trợ tiền thuê nhà, nước sạch cho công nhân",
        "Công nhân được hỗ trợ tiền thuê nhà, nước sạch trong ba tháng. Khoản hỗ trợ thuê "
        "nhà, nước sạch được chi trả qua doanh nghiệp.",
        trap=("nhà nước",),
    ),
    TrapArticle(
        "xa-hoi-real",
        "Chi trả trợ cấp cho các đối tượng bảo trợ",
        "Huyện hoàn thành chi trả trợ cấp an sinh xã hội cho hơn 2.000 đối tượng.",
        real=("xã hội",),
    ),
    TrapArticle(
        "xa-hoi-trap",
        "Giám sát bầu cử ở các xã, Hội đồng nhân dân huyện vào cuộc",
        "Thường trực Hội đồng nhân dân huyện giám sát công tác bầu cử ở các xã. Hội đồng "
        "nhân dân huyện sẽ tổng hợp kết quả giám sát ở các xã, Hội đồng gửi báo cáo.",
        trap=("xã hội",),
    ),
    TrapArticle(
        "nong-dan-real",
        "Tập huấn kỹ thuật trồng cà phê bền vững",
        "Hội Nông dân huyện phối hợp mở lớp tập huấn cho hơn 100 hội viên.",
        real=("nông dân",),
    ),
    TrapArticle(
        "nong-dan-trap",
        "Tỉnh Đắk Nông, dân số trên 650 nghìn người",
        "Theo số liệu thống kê, tỉnh Đắk Nông, dân số trên 650 nghìn người, có 40 dân tộc "
        "cùng sinh sống. Đắk Nông, dân số trẻ, có lực lượng lao động dồi dào.",
        real=("dân số",),
        trap=("nông dân",),
    ),
    TrapArticle(
        "dan-so-trap",
        "Xây dựng công dân số trong chuyển đổi số",
        "Huyện đẩy mạnh xây dựng công dân số, khuyến khích người dân dùng dịch vụ công trực "
        "tuyến. Mỗi công dân số có một tài khoản định danh.",
        trap=("dân số",),
    ),
    TrapArticle(
        "chinh-sach-trap",
        "Hỗ trợ tài chính, sách vở cho học sinh nghèo",
        "Nhà hảo tâm hỗ trợ tài chính, sách vở cho 50 học sinh nghèo. Đợt hỗ trợ tài chính, "
        "sách vở này trị giá 100 triệu đồng.",
        real=("tài chính", "học sinh"),
        trap=("chính sách",),
    ),
    TrapArticle(
        "hanh-chinh-real",
        "Đẩy mạnh cải cách thủ tục",
        "Huyện đẩy mạnh cải cách hành chính, giảm thời gian giải quyết hồ sơ cho người dân.",
        real=("hành chính",),
    ),
    TrapArticle(
        "hanh-chinh-trap",
        "Huyện ban hành chính sách hỗ trợ hộ nghèo làm nhà",
        "Ủy ban huyện ban hành chính sách hỗ trợ hộ nghèo. Việc ban hành chính sách kịp thời "
        "giúp nhiều hộ có nhà ở.",
        real=("chính sách",),
        trap=("hành chính",),
    ),
    TrapArticle(
        "co-quan-real",
        "Thực hiện nếp sống văn minh nơi công sở",
        "Cán bộ các cơ quan thực hiện nghiêm quy định về giờ giấc làm việc.",
        real=("cơ quan",),
    ),
    TrapArticle(
        "co-quan-trap",
        "Nắm bắt thời cơ quan trọng để phát triển du lịch",
        "Đây là thời cơ quan trọng để huyện thu hút đầu tư. Chớp thời cơ quan trọng này, "
        "huyện quảng bá du lịch sinh thái.",
        trap=("cơ quan",),
    ),
    TrapArticle(
        "nong-thon-trap",
        "Tỉnh Đắk Nông. Thôn Nam Thanh về đích sớm",
        "Kết quả được công bố tại tỉnh Đắk Nông. Thôn Nam Thanh là thôn đầu tiên về đích. "
        "Người dân Đắk Nông. Thôn bản vui mừng.",
        trap=("nông thôn",),
    ),
    TrapArticle(
        "giao-thong-real",
        "Sửa chữa tuyến đường liên xã",
        "Huyện sửa chữa tuyến giao thông liên xã bị sạt lở sau mưa lớn.",
        real=("giao thông",),
    ),
    TrapArticle(
        "giao-thong-trap",
        "Hai bên bàn giao thông tin dự án cho chủ đầu tư mới",
        "Hai đơn vị đã bàn giao thông tin dự án. Sau khi bàn giao thông tin, chủ đầu tư mới "
        "tiếp nhận hồ sơ.",
        trap=("giao thông",),
    ),
    TrapArticle(
        "vien-chuc-real",
        "Tuyển dụng giáo viên năm học mới",
        "Huyện tuyển dụng 45 viên chức giáo dục cho năm học mới.",
        real=("viên chức",),
    ),
    TrapArticle(
        "vien-chuc-trap",
        "Bầu bổ sung ủy viên, chức danh lãnh đạo Hội đồng nhân dân",
        "Kỳ họp bầu bổ sung một ủy viên, chức danh phó chủ tịch. Ủy viên, chức danh mới "
        "nhận nhiệm vụ từ tháng 6.",
        trap=("viên chức",),
    ),
    TrapArticle(
        "hoc-sinh-trap",
        "Dạy học. Sinh viên sư phạm thực tập tại trường",
        "Nhà trường tổ chức cho giáo viên dự giờ dạy học. Sinh viên sư phạm thực tập tại "
        "trường trong hai tháng dạy học. Sinh viên được đánh giá tốt.",
        trap=("học sinh",),
    ),
]

#: The compound queries: each has real articles and traps in ARTICLES.
QUERIES = sorted({q for a in ARTICLES for q in a.real} & {q for a in ARTICLES for q in a.trap})

#: Queries that cross a compound boundary (the words of two compounds): they must find
#: the articles holding them side by side, whatever the segmentation.
CROSSING = [
    "thi công an toàn",
    "học sinh hoạt động",
    "Bộ trưởng ban hành",
    "cán bộ trưởng thôn",
    "Nhân Hòa Bình Minh",
    "ban hành chính sách",
    "đề tài chính sách",
    "thời cơ quan trọng",
    "vận động viên",
    "công dân số",
]


def trap_documents() -> list[dict[str, object]]:
    """The trap articles as store-ready dicts (``tests/indexer/conftest.py`` loads them)."""
    return [
        {
            "trap_key": a.key,
            "url": f"https://{PORTAL}.sample/tin/{a.key}",
            "title": a.title,
            "portal": PORTAL,
            "published": a.published,
            "category": "Tin tức",
            "summary": None,
            "body_text": a.body,
            "attachments": [],
            "province": "Đắk Nông",
            "district": None,
        }
        for a in ARTICLES
    ]
