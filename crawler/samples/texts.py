"""Government-news phrasing for the sample portals: title and sentence templates.

Templates use ``str.format`` fields filled by :class:`crawler.samples.wording.Writer`:
``{dk}`` district kind ("huyện", "quận", "xã"), ``{DK}`` the same capitalised,
``{D}`` the district name, ``{P}`` the province, ``{C}`` a commune with its
kind ("xã Nam Xuân"), ``{Cn}`` its bare name, ``{y} {m} {d} {q} {n} {n2} {wk}``
numbers, ``{person}`` a name, ``{role}`` an office, ``{party}`` the party committee
("Huyện ủy"), ``{Ccap}`` the commune capitalised, ``{roman}`` a roman numeral,
``{y1}`` the next year, ``{nb}`` the neighbour place the portal mentions
("huyện Đắk R’lấp" or "huyện Tuyên Hóa").
"""

from __future__ import annotations

# Title templates per kind of category.
TITLES: dict[str, tuple[str, ...]] = {
    "news": (
        "UBND {dk} {D} tổ chức hội nghị giao ban tháng {m}/{y}",
        "Hội nghị giao ban công tác cải cách hành chính quý {q} năm {y}",
        "{D} phát động hưởng ứng Ngày Môi trường thế giới năm {y}",
        "{Ccap} ra mắt mô hình “Khu dân cư tự quản về an ninh trật tự”",
        "Đoàn công tác {nb} thăm và trao đổi kinh nghiệm tại {dk} {D}",
        "Hội nghị tập huấn nghiệp vụ cho cán bộ, công chức cấp xã năm {y}",
        "Khai mạc Đại hội Thể dục thể thao {dk} {D} lần thứ {roman}",
        "Lễ giao nhận quân năm {y} tại {dk} {D}",
        "Trao quà cho hộ nghèo, gia đình chính sách nhân dịp Tết Nguyên đán {y}",
        "Kỳ họp thứ {n} Hội đồng nhân dân {dk} {D} khóa {roman}",
        "{D}: Quan tâm đầu tư hạ tầng giao thông để phát triển du lịch",
        "Tổng kết 10 năm thực hiện Chương trình xây dựng nông thôn mới tại {C}",
        "Hội nghị giao ban khối Dân vận {dk} {D} 6 tháng đầu năm {y}",
        "Ủy ban nhân dân {dk} {D} đối thoại với nhân dân {C}",
    ),
    "directive": (
        "Thông báo kết luận của Lãnh đạo UBND {dk} tại Hội nghị giao ban tháng {m}/{y}",
        "Lịch công tác tuần thứ {wk} năm {y} của Chủ tịch, các Phó Chủ tịch UBND {dk}",
        "Chỉ thị về tăng cường công tác phòng, chống thiên tai và tìm kiếm cứu nạn năm {y}",
        "Kế hoạch triển khai nhiệm vụ chuyển đổi số trên địa bàn {dk} năm {y}",
        "Quyết định phê duyệt danh sách hộ nghèo, hộ cận nghèo năm {y}",
        "Hướng dẫn tính mức lương, phụ cấp của cán bộ, công chức từ 1/7/{y}",
        "Chấn chỉnh kỷ luật, kỷ cương hành chính của cán bộ, công chức tháng {m}/{y}",
        "Kế hoạch tổ chức hội nghị giao ban công tác tiếp công dân quý {q}/{y}",
    ),
    "notice": (
        "Thông báo lựa chọn tổ chức bán đấu giá tài sản là quyền sử dụng đất tại {C} (Đợt {n}-{y})",
        "Thông báo tuyển dụng viên chức sự nghiệp giáo dục năm {y}",
        "Thông báo lịch tiếp công dân của Chủ tịch UBND {dk} tháng {m}/{y}",
        "Thông báo kết quả lựa chọn nhà thầu gói thầu đường giao thông {C} năm {y}",
        "Thông báo lấy ý kiến nhân dân về dự thảo quy hoạch sử dụng đất đến năm 2030",
        "Thông báo thời gian nghỉ Tết Nguyên đán năm {y}",
        "Thông báo công khai dự toán ngân sách {dk} năm {y}",
    ),
    "security": (
        "Công an {dk} {D} tạm giữ hình sự đối tượng mua bán trái phép chất ma túy",
        "Ra quân tấn công, trấn áp tội phạm dịp cuối năm {y}",
        "Diễn tập khu vực phòng thủ {dk} {D} năm {y}",
        "Tuyển chọn công dân nam trong độ tuổi nhập ngũ năm {y}",
        "Tổng kết phong trào toàn dân bảo vệ an ninh Tổ quốc tại {C} năm {y}",
        "Bàn giao {n} thanh niên lên đường nhập ngũ năm {y}",
    ),
    "economy": (
        "{Ccap}: Hiệu quả từ mô hình trồng cây ăn trái",
        "Phó Chủ tịch UBND tỉnh thăm mô hình trồng bơ sạch tại {C}",
        "Đẩy mạnh giải ngân vốn đầu tư công năm {y}",
        "Thu ngân sách nhà nước 6 tháng đầu năm {y} đạt {n2}% dự toán",
        "Nông dân {C} bán nông sản qua sàn thương mại điện tử",
        "Nghiệm thu công trình đường giao thông nông thôn tại {C}",
        "Hội Nông dân {dk} hỗ trợ bạn nhà nông tiếp cận vốn vay năm {y}",
    ),
    "culture": (
        "Trung tâm Chính trị {dk} thực hiện tốt công tác đào tạo, bồi dưỡng năm {y}",
        "Khai giảng năm học {y}-{y1} tại các trường trên địa bàn {dk}",
        "Ngày hội Đại đoàn kết toàn dân tộc tại {C} năm {y}",
        "Liên hoan văn nghệ quần chúng mừng Đảng, mừng Xuân {y}",
        "Hội thi tìm hiểu pháp luật cho cán bộ, công chức, viên chức năm {y}",
        "Tuyên truyền phòng, chống bạo lực gia đình tại {C}",
        "Bế mạc lớp bồi dưỡng lý luận chính trị cho đảng viên mới năm {y}",
    ),
    "leaders": (
        "Chủ tịch UBND {dk} {D} tiếp xúc cử tri {C}",
        "Bí thư {party} làm việc với Đảng ủy {C}",
        "Lãnh đạo {dk} kiểm tra tiến độ các công trình trọng điểm năm {y}",
        "Lãnh đạo UBND {dk} thăm, chúc Tết các đơn vị lực lượng vũ trang",
        "Phó Chủ tịch UBND {dk} {person} làm việc tại {C}",
    ),
}

# Lead sentences (the sapo) per kind.
LEADS: dict[str, tuple[str, ...]] = {
    "news": (
        "Sáng {d}/{m}, tại hội trường UBND {dk}, UBND {dk} {D} tổ chức hội nghị giao ban đánh giá kết quả thực hiện nhiệm vụ tháng {m} và triển khai nhiệm vụ trọng tâm thời gian tới.",
        "Ngày {d}/{m}, {role} {person} chủ trì hội nghị giao ban với sự tham dự của lãnh đạo các phòng, ban, ngành, đoàn thể và Chủ tịch UBND các xã, thị trấn.",
        "Chiều {d}/{m}, Ủy ban nhân dân {dk} {D} phối hợp với Ủy ban MTTQ Việt Nam {dk} tổ chức chương trình với sự tham gia của đông đảo cán bộ, công chức và nhân dân.",
    ),
    "directive": (
        "Ngày {d}/{m}/{y}, UBND {dk} {D} đã ban hành văn bản chỉ đạo các cơ quan, đơn vị và UBND các xã, thị trấn triển khai thực hiện.",
        "Thực hiện chỉ đạo của UBND tỉnh {P}, Chủ tịch UBND {dk} yêu cầu thủ trưởng các cơ quan, đơn vị nghiêm túc thực hiện các nội dung sau.",
    ),
    "notice": (
        "Ủy ban nhân dân {dk} {D} thông báo đến các tổ chức, cá nhân có liên quan được biết.",
        "Căn cứ kế hoạch năm {y}, UBND {dk} {D} thông báo nội dung như sau.",
    ),
    "security": (
        "Ngày {d}/{m}, Công an {dk} {D} ({P}) cho biết đơn vị vừa phối hợp với Công an {C} triển khai đợt cao điểm bảo đảm an ninh, trật tự.",
        "Sáng {d}/{m}, Ban Chỉ huy Quân sự {dk} {D} tổ chức tổng kết công tác quân sự, quốc phòng địa phương năm {y}.",
    ),
    "economy": (
        "Những năm gần đây, nhiều hộ nông dân ở {C} đã mạnh dạn chuyển đổi cơ cấu cây trồng, mang lại hiệu quả kinh tế cao.",
        "Ngày {d}/{m}, đoàn công tác của UBND tỉnh {P} do {role} {person} làm trưởng đoàn đã đến thăm một số mô hình sản xuất trên địa bàn {dk}.",
    ),
    "culture": (
        "Sáng {d}/{m}, tại Trung tâm Văn hóa - Thể thao {dk} {D} đã diễn ra chương trình với sự tham gia của hàng trăm đoàn viên, thanh niên và nhân dân.",
        "Năm {y}, công tác đào tạo, bồi dưỡng cán bộ, đảng viên của {dk} {D} tiếp tục được cấp ủy quan tâm lãnh đạo, chỉ đạo.",
    ),
    "leaders": (
        "Ngày {d}/{m}, đồng chí {person}, {role} đã có buổi làm việc với Đảng ủy, UBND {C} về tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội.",
        "Chiều {d}/{m}, {role} {person} dẫn đầu đoàn công tác đi kiểm tra thực tế tại {C}.",
    ),
}

# Body sentences in government-news style.
SENTENCES: tuple[str, ...] = (
    "Tham dự hội nghị có lãnh đạo các phòng, ban, ngành, đoàn thể và Chủ tịch UBND các xã, thị trấn trên địa bàn {dk}.",
    "Theo báo cáo, trong tháng qua UBND {dk} đã tập trung chỉ đạo thực hiện tốt các nhiệm vụ phát triển kinh tế - xã hội, bảo đảm quốc phòng, an ninh.",
    "Đến nay, toàn {dk} có {n} hộ gia đình tham gia mô hình, với tổng diện tích khoảng {n2} ha.",
    "Phát biểu kết luận hội nghị, đồng chí {person} đề nghị các cơ quan, đơn vị nâng cao tinh thần trách nhiệm của cán bộ, công chức trong thực thi công vụ.",
    "Ủy ban nhân dân {dk} yêu cầu Chủ tịch UBND các xã, thị trấn khẩn trương triển khai thực hiện và báo cáo kết quả trước ngày {d}/{m}/{y}.",
    "Cán bộ, công chức, viên chức và người lao động trong các cơ quan hành chính nhà nước phải nghiêm túc chấp hành giờ giấc làm việc.",
    "Người dân có thể tra cứu thông tin, nộp hồ sơ trực tuyến tại Bộ phận tiếp nhận và trả kết quả của {dk}.",
    "Trong năm {y}, toàn {dk} có {n} lượt hộ nghèo được vay vốn ưu đãi với tổng số tiền hơn {n2} tỷ đồng.",
    "Nhiều hộ nông dân đã bán nông sản qua các sàn thương mại điện tử, giúp tăng thu nhập đáng kể.",
    "Dịp này, UBND {dk} đã trao {n} suất quà cho các hộ nghèo, gia đình chính sách, mỗi suất trị giá 500 nghìn đồng.",
    "Năm nay thời tiết thuận lợi nên năng suất cây trồng của bà con đạt khá cao.",
    "{Ccap} là một trong những địa phương dẫn đầu {dk} về thực hiện phong trào xây dựng nông thôn mới.",
    "Hội nghị giao ban là dịp để các cơ quan, đơn vị trao đổi kinh nghiệm, tháo gỡ khó khăn, vướng mắc trong quá trình thực hiện nhiệm vụ.",
    "Lãnh đạo {dk} ghi nhận, biểu dương những kết quả mà tập thể cán bộ, công chức đã đạt được trong năm qua.",
    "Bên cạnh những kết quả đạt được, công tác quản lý đất đai, trật tự xây dựng ở một số địa phương vẫn còn hạn chế.",
    "Các đại biểu cũng thống nhất nhiều giải pháp nhằm hoàn thành thắng lợi các chỉ tiêu của Nghị quyết Đại hội Đảng bộ {dk} nhiệm kỳ 2020-2025.",
    "Qua đó góp phần nâng cao nhận thức, ý thức chấp hành pháp luật của cán bộ, đảng viên và nhân dân trên địa bàn.",
    "Năm {y}, tổng thu ngân sách nhà nước trên địa bàn {dk} ước đạt {n2} tỷ đồng, vượt dự toán được giao.",
    "Công tác cải cách hành chính được quan tâm, tỷ lệ hồ sơ giải quyết đúng hạn đạt trên 98%.",
    "Mô hình đã tạo việc làm ổn định cho hàng chục lao động địa phương, góp phần giảm nghèo bền vững.",
    "Ủy ban nhân dân {dk} giao Phòng Văn hóa và Thông tin chủ trì, phối hợp với các đơn vị liên quan tổ chức tuyên truyền sâu rộng đến nhân dân.",
    "Bà con và bạn bè gần xa đã đến tham dự, cổ vũ các đội thi trong không khí vui tươi, phấn khởi.",
    "Đây là năm thứ {n} liên tiếp địa phương hoàn thành vượt mức kế hoạch tuyển quân.",
    "Chủ tịch UBND {dk} đề nghị các xã, thị trấn rà soát, cập nhật danh sách công dân nam trong độ tuổi sẵn sàng nhập ngũ.",
    "Các học viên được truyền đạt những nội dung cơ bản về chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh và đường lối của Đảng.",
)

# Sentences about the neighbouring place each portal mentions.
NEIGHBOUR_SENTENCES: dict[str, tuple[str, ...]] = {
    "Đắk R’lấp": (
        "Huyện Đắk R’lấp (Đắk Nông) cũng là địa phương có nhiều kinh nghiệm trong phát triển cây công nghiệp dài ngày.",
        "Đoàn đã đến tham quan mô hình trồng sầu riêng của một hộ dân ở xã Nhân Cơ, huyện Đắk R’lấp, tỉnh Đắk Nông.",
        "Công an huyện Đắk R’lấp đã phối hợp chặt chẽ trong việc truy bắt đối tượng.",
    ),
    "Tuyên Hóa": (
        "Là huyện miền núi của tỉnh Quảng Bình, Tuyên Hóa thường xuyên chịu ảnh hưởng của mưa lũ vào mùa mưa bão.",
        "Trung tâm Chính trị huyện Tuyên Hóa luôn nhận được sự quan tâm của Ban Thường vụ Huyện ủy và lãnh đạo Ủy ban nhân dân huyện.",
        "Đoàn đã trao đổi kinh nghiệm với huyện Tuyên Hóa về công tác giảm nghèo và xây dựng nông thôn mới.",
    ),
}

CAPTIONS: tuple[str, ...] = (
    "Quang cảnh hội nghị",
    "Đồng chí {person} phát biểu tại hội nghị",
    "Các đại biểu tham quan mô hình sản xuất tại {C}",
    "Lãnh đạo {dk} trao quà cho các hộ gia đình chính sách",
    "Đông đảo đoàn viên, thanh niên tham gia vệ sinh môi trường",
    "Các đại biểu bấm nút khởi công công trình",
)

FAMILY_NAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Võ",
    "Phan",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Trương",
)
MIDDLE_NAMES = ("Văn", "Thị", "Ngọc", "Xuân", "Thanh", "Minh", "Đức", "Hữu", "Thu", "Quang")
GIVEN_NAMES = (
    "Danh",
    "Hùng",
    "Lan",
    "Chiến",
    "Tùng",
    "Hoa",
    "Bình",
    "Dũng",
    "Hà",
    "Thủy",
    "Tuấn",
    "Hòa",
    "Khoa",
    "Linh",
    "Sơn",
)
ROLES = (
    "Chủ tịch UBND {dk}",
    "Phó Chủ tịch UBND {dk}",
    "Bí thư {party}",
    "Phó Bí thư Thường trực {party}",
    "Phó Chủ tịch UBND tỉnh",
)
ROMAN = ("II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
