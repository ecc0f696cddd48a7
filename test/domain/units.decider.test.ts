import { describe, expect, it } from 'vitest';
import { parse } from '../../src/app/parse.js';
import * as C from '../../src/units/commands.js';
import { decideUnit } from '../../src/units/decide.js';
import type { UnitEvent, UnitKind } from '../../src/units/events.js';
import { evolveUnit } from '../../src/units/evolve.js';
import { initialUnitState, type UnitDirectory, type UnitStreamState } from '../../src/units/state.js';
import { DeciderSpecification, type UnitInput } from '../support/given-when-then.js';

const NOW = '2026-06-15T03:00:00.000Z';

/** One unit of every kind, so each kind can be tried under each kind of parent. */
const UNITS: UnitInput[] = [
  { id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ' },
  { id: 'TCT06', kind: 'WORKING_GROUP', parentId: 'GOV', name: 'Tổ công tác triển khai Đề án 06' },
  { id: 'BCA', kind: 'MINISTRY', parentId: 'GOV', name: 'Bộ Công an' },
  { id: 'VPCP', kind: 'AGENCY', parentId: 'GOV', name: 'Văn phòng Chính phủ' },
  { id: '01', kind: 'PROVINCE', parentId: 'GOV', name: 'Thành phố Hà Nội' },
  { id: '001', kind: 'DISTRICT', parentId: '01', name: 'Quận Ba Đình' },
  { id: '00004', kind: 'COMMUNE', parentId: '01', name: 'Phường Ba Đình' },
  { id: '00004-01', kind: 'VILLAGE', parentId: '00004', name: 'Tổ dân phố số 1' },
];
const PARENT_OF_KIND: Record<UnitKind, string> = {
  GOVERNMENT: 'GOV', WORKING_GROUP: 'TCT06', MINISTRY: 'BCA', AGENCY: 'VPCP', PROVINCE: '01', DISTRICT: '001', COMMUNE: '00004', VILLAGE: '00004-01',
};

type UnitCommand = Parameters<typeof decideUnit>[0];
const register = (input: Record<string, unknown>): UnitCommand => ({ type: 'RegisterUnit', data: parse(C.RegisterUnit, input) });
const rename = (input: Record<string, unknown>): UnitCommand => ({ type: 'RenameUnit', data: parse(C.RenameUnit, input) });

const spec = DeciderSpecification<UnitCommand, UnitEvent, UnitStreamState, UnitDirectory>(
  { decide: decideUnit, evolve: (state, event) => evolveUnit(state, event), initialState: initialUnitState },
  ({ units }) => units,
  { now: NOW, units: UNITS },
);

const registered = (unitId: string, kind: UnitKind, name: string, parentId: string | null): UnitEvent =>
  ({ type: 'UnitRegistered', data: { unitId, kind, name, parentId }, reason: `Đăng ký đơn vị ${name}` });

describe('RegisterUnit', () => {
  it('registers the Government as the root GOV, and evolve makes its state', () => {
    const state = spec.given().when(register({ id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ' }), { units: [] })
      .then([registered('GOV', 'GOVERNMENT', 'Chính phủ', null)]);
    expect(state).toMatchObject({ id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ', parentId: null, previousNames: [] });
  });

  it('refuses a Government with a parent', () => {
    spec.given().when(register({ id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ', parentId: 'TCT06' }), { units: [] })
      .thenThrows('BAD_USER_INPUT', 'has no parent');
  });

  it('refuses a Government whose id is not GOV', () => {
    spec.given().when(register({ id: 'CP', kind: 'GOVERNMENT', name: 'Chính phủ' }), { units: [] })
      .thenThrows('BAD_USER_INPUT', 'has the id GOV');
  });

  it('refuses a second Government (GOV exists) with CONFLICT', () => {
    spec.given([registered('GOV', 'GOVERNMENT', 'Chính phủ', null)]).when(register({ id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ' }))
      .thenThrows('CONFLICT', 'ALREADY_EXISTS');
  });

  it.each(['MINISTRY', 'PROVINCE', 'COMMUNE'] as const)('refuses a %s without parent', (kind) => {
    spec.given().when(register({ id: 'X1', kind, name: 'Đơn vị' })).thenThrows('BAD_USER_INPUT', `a ${kind} unit needs a parent`);
  });

  it('registers a commune under its province (official 5-digit code)', () => {
    spec.given().when(register({ id: '00070', kind: 'COMMUNE', name: 'Phường Hoàn Kiếm', parentId: '01' }))
      .then([registered('00070', 'COMMUNE', 'Phường Hoàn Kiếm', '01')]);
  });

  it('refuses a province under a ministry', () => {
    spec.given().when(register({ id: '48', kind: 'PROVINCE', name: 'Thành phố Đà Nẵng', parentId: 'BCA' }))
      .thenThrows('BAD_USER_INPUT', 'a PROVINCE cannot sit under a MINISTRY');
  });

  // The tree of DESIGN §2: GOV → working group(s), ministries and agencies, provinces; districts (before
  // 1 July 2025) under provinces; communes under provinces or districts; villages under communes.
  const allowed: Record<Exclude<UnitKind, 'GOVERNMENT'>, UnitKind[]> = {
    WORKING_GROUP: ['GOVERNMENT', 'MINISTRY', 'AGENCY', 'PROVINCE', 'DISTRICT', 'COMMUNE'],
    MINISTRY: ['GOVERNMENT'],
    AGENCY: ['GOVERNMENT', 'MINISTRY'],
    PROVINCE: ['GOVERNMENT'],
    DISTRICT: ['PROVINCE'],
    COMMUNE: ['PROVINCE', 'DISTRICT'],
    VILLAGE: ['COMMUNE'],
  };
  const KINDS = Object.keys(PARENT_OF_KIND) as UnitKind[];
  const cases = (Object.keys(allowed) as (keyof typeof allowed)[])
    .flatMap((kind) => KINDS.map((parentKind) => [kind, parentKind, allowed[kind].includes(parentKind)] as const));

  it.each(cases)('a %s under a %s: allowed %s', (kind, parentKind, ok) => {
    const parentId = PARENT_OF_KIND[parentKind];
    const when = spec.given().when(register({ id: 'NEW', kind, name: 'Đơn vị mới', parentId }));
    if (ok) when.then([registered('NEW', kind, 'Đơn vị mới', parentId)]);
    else when.thenThrows('BAD_USER_INPUT', `a ${kind} cannot sit under a ${parentKind}`);
  });

  it('refuses an unknown parent with NOT_FOUND', () => {
    const error = spec.given().when(register({ id: '00070', kind: 'COMMUNE', name: 'Phường Hoàn Kiếm', parentId: '99' }))
      .thenThrows('NOT_FOUND', 'UNIT_NOT_FOUND');
    expect(error.message).toBe('unit 99 not found');
  });

  it('refuses a unit registered twice with CONFLICT', () => {
    spec.given([registered('01', 'PROVINCE', 'Thành phố Hà Nội', 'GOV')])
      .when(register({ id: '01', kind: 'PROVINCE', name: 'Thành phố Hà Nội', parentId: 'GOV' }))
      .thenThrows('CONFLICT', 'unit 01 already exists');
  });

  it('refuses blank names, NUL characters and unknown kinds at the input', () => {
    expect(() => register({ id: '48', kind: 'PROVINCE', name: '  ', parentId: 'GOV' })).toThrow('name: must not be blank');
    expect(() => register({ id: '48', kind: 'PROVINCE', name: 'Đà\u0000Nẵng', parentId: 'GOV' })).toThrow('name: must not contain NUL characters');
    expect(() => register({ id: '48', kind: 'CITY', name: 'Đà Nẵng', parentId: 'GOV' })).toThrow('kind:');
  });
});

describe('RenameUnit', () => {
  const hue = registered('46', 'PROVINCE', 'Tỉnh Thừa Thiên Huế', 'GOV');

  it('renames, recording the previous name and the reason; evolve keeps the old name', () => {
    const state = spec.given([hue])
      .when(rename({ unitId: '46', name: 'Thành phố Huế', reason: 'Nghị quyết 1314/NQ-UBTVQH15' }))
      .then([{ type: 'UnitRenamed', data: { unitId: '46', name: 'Thành phố Huế', previousName: 'Tỉnh Thừa Thiên Huế' }, reason: 'Nghị quyết 1314/NQ-UBTVQH15' }]);
    expect(state).toMatchObject({ id: '46', kind: 'PROVINCE', name: 'Thành phố Huế', parentId: 'GOV', previousNames: ['Tỉnh Thừa Thiên Huế'] });
  });

  it('keeps every previous name, oldest first', () => {
    const first: UnitEvent = { type: 'UnitRenamed', data: { unitId: '46', name: 'Huế', previousName: 'Tỉnh Thừa Thiên Huế' }, reason: 'a' };
    const state = spec.given([hue, first])
      .when(rename({ unitId: '46', name: 'Thành phố Huế', reason: 'b' }))
      .then([{ type: 'UnitRenamed', data: { unitId: '46', name: 'Thành phố Huế', previousName: 'Huế' }, reason: 'b' }]);
    expect(state?.previousNames).toStrictEqual(['Tỉnh Thừa Thiên Huế', 'Huế']);
  });

  it('refuses the name the unit already has (after trimming) with CONFLICT', () => {
    spec.given([hue]).when(rename({ unitId: '46', name: ' Tỉnh Thừa Thiên Huế ', reason: 'x' }))
      .thenThrows('CONFLICT', 'already named Tỉnh Thừa Thiên Huế');
  });

  it('refuses an unknown unit with NOT_FOUND', () => {
    spec.given().when(rename({ unitId: '46', name: 'Thành phố Huế', reason: 'x' })).thenThrows('NOT_FOUND', 'UNIT_NOT_FOUND');
  });

  it('refuses a rename without reason at the input', () => {
    expect(() => rename({ unitId: '46', name: 'Thành phố Huế', reason: '' })).toThrow('reason: must not be blank');
  });
});
