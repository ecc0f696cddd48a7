/**
 * The 14 ministries and 3 ministerial-level agencies since 1 March 2025 (Resolution 176/2025/QH15),
 * with tiendo's short ids. Officially they have no numeric code list comparable to Decision
 * 19/2025/QĐ-TTg, so the ids are the customary abbreviations.
 */
export const ministries: [id: string, name: string, kind: 'MINISTRY' | 'AGENCY'][] = [
  ['BQP', 'Bộ Quốc phòng', 'MINISTRY'],
  ['BCA', 'Bộ Công an', 'MINISTRY'],
  ['BNG', 'Bộ Ngoại giao', 'MINISTRY'],
  ['BNV', 'Bộ Nội vụ', 'MINISTRY'],
  ['BTP', 'Bộ Tư pháp', 'MINISTRY'],
  ['BTC', 'Bộ Tài chính', 'MINISTRY'],
  ['BCT', 'Bộ Công Thương', 'MINISTRY'],
  ['BNNMT', 'Bộ Nông nghiệp và Môi trường', 'MINISTRY'],
  ['BXD', 'Bộ Xây dựng', 'MINISTRY'],
  ['BVHTTDL', 'Bộ Văn hóa, Thể thao và Du lịch', 'MINISTRY'],
  ['BKHCN', 'Bộ Khoa học và Công nghệ', 'MINISTRY'],
  ['BGDDT', 'Bộ Giáo dục và Đào tạo', 'MINISTRY'],
  ['BYT', 'Bộ Y tế', 'MINISTRY'],
  ['BDTTG', 'Bộ Dân tộc và Tôn giáo', 'MINISTRY'],
  ['NHNN', 'Ngân hàng Nhà nước Việt Nam', 'AGENCY'],
  ['TTCP', 'Thanh tra Chính phủ', 'AGENCY'],
  ['VPCP', 'Văn phòng Chính phủ', 'AGENCY'],
];
