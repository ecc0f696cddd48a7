/** The reference lists of DESIGN §2: 14 ministries + 3 ministerial-level agencies, 34 provinces. */

/** Moved to src/reference/ministries.ts (the official lists live there); re-exported for existing imports. */
export { ministries } from '../reference/ministries.js';

const cities = new Set(['01', '31', '46', '48', '79', '92']);

export const provinces: [code: string, name: string][] = ([
  ['01', 'Hà Nội'], ['04', 'Cao Bằng'], ['08', 'Tuyên Quang'], ['11', 'Điện Biên'], ['12', 'Lai Châu'], ['14', 'Sơn La'],
  ['15', 'Lào Cai'], ['19', 'Thái Nguyên'], ['20', 'Lạng Sơn'], ['22', 'Quảng Ninh'], ['24', 'Bắc Ninh'], ['25', 'Phú Thọ'],
  ['31', 'Hải Phòng'], ['33', 'Hưng Yên'], ['37', 'Ninh Bình'], ['38', 'Thanh Hóa'], ['40', 'Nghệ An'], ['42', 'Hà Tĩnh'],
  ['44', 'Quảng Trị'], ['46', 'Huế'], ['48', 'Đà Nẵng'], ['51', 'Quảng Ngãi'], ['52', 'Gia Lai'], ['56', 'Khánh Hòa'],
  ['66', 'Đắk Lắk'], ['68', 'Lâm Đồng'], ['75', 'Đồng Nai'], ['79', 'Hồ Chí Minh'], ['80', 'Tây Ninh'], ['82', 'Đồng Tháp'],
  ['86', 'Vĩnh Long'], ['91', 'An Giang'], ['92', 'Cần Thơ'], ['96', 'Cà Mau'],
] as [string, string][]).map(([code, name]) => [code, `${cities.has(code) ? 'Thành phố' : 'Tỉnh'} ${name}`]);

/** A few wards of Hà Nội (no longer registered by the demo, which loads every commune: src/reference/load.ts). */
export const demoCommunes: [code: string, name: string, province: string][] = [
  ['00004', 'Phường Ba Đình', '01'],
  ['00008', 'Phường Ngọc Hà', '01'],
  ['00025', 'Phường Giảng Võ', '01'],
  ['00070', 'Phường Hoàn Kiếm', '01'],
];
