// Unit tests of the pure equipment rules: validation in both modes, limits, categories, ids.
import { strict as assert } from 'node:assert';
import {
  CATEGORIES,
  ID_PATTERN,
  LIMITS,
  newAssetId,
  validateEquipment,
  type FieldError,
} from '../src/domain/equipment';

function errorsOf(result: ReturnType<typeof validateEquipment>): FieldError[] {
  assert.equal(result.ok, false, 'expected a failed validation');
  return result.ok ? [] : result.errors;
}

describe('domain/equipment validateEquipment', () => {
  it('accepts a full create body, trims single-line fields, upper-cases the category', () => {
    const result = validateEquipment(
      {
        name: '  Sony A7 III ',
        category: 'camera',
        serialNumber: ' SN-1 ',
        brand: 'Sony',
        model: 'ILCE-7M3',
        locationId: 'studio_1',
        notes: '  two batteries\nin the bag  ',
        imageUrl: 'https://example.com/a7.jpg',
        assetId: 'CAMERA_custom1',
      },
      'create',
    );
    assert.deepEqual(result, {
      ok: true,
      value: {
        name: 'Sony A7 III',
        category: 'CAMERA',
        serialNumber: 'SN-1',
        brand: 'Sony',
        model: 'ILCE-7M3',
        locationId: 'studio_1',
        notes: '  two batteries\nin the bag  ',
        imageUrl: 'https://example.com/a7.jpg',
        assetId: 'CAMERA_custom1',
      },
    });
  });

  it('on create, empty and null optional fields are left out', () => {
    const result = validateEquipment(
      { name: 'Mic', category: 'Audio', brand: '', model: null, notes: '', imageUrl: '  ' },
      'create',
    );
    assert.deepEqual(result, { ok: true, value: { name: 'Mic', category: 'AUDIO' } });
  });

  it('reports every error at once, each naming its field', () => {
    const errors = errorsOf(
      validateEquipment(
        {
          category: 'spaceship',
          serialNumber: 'x'.repeat(LIMITS.serialNumber + 1),
          brand: 42,
          notes: 'n'.repeat(LIMITS.notes + 1),
          imageUrl: 'ftp://example.com/a.jpg',
          locationId: 'a/b',
          assetId: '..',
          colour: 'red',
        },
        'create',
      ),
    );
    const fields = errors.map((e) => e.field).sort();
    assert.deepEqual(fields, [
      'assetId',
      'brand',
      'category',
      'colour',
      'imageUrl',
      'locationId',
      'name',
      'notes',
      'serialNumber',
    ]);
    const byField = new Map(errors.map((e) => [e.field, e.message]));
    assert.match(byField.get('name') ?? '', /required/);
    assert.match(byField.get('category') ?? '', /CAMERA, LENS, AUDIO.*got "spaceship"$/);
    assert.match(byField.get('serialNumber') ?? '', /at most 100 characters \(got 101\)/);
    assert.match(byField.get('brand') ?? '', /must be a string/);
    assert.match(byField.get('colour') ?? '', /unknown field/);
  });

  it('cuts an echoed unknown category short', () => {
    const errors = errorsOf(validateEquipment({ name: 'x', category: 'y'.repeat(500) }, 'create'));
    assert.match(errors[0].message, /got "y{40}…"$/);
  });

  it('limits count characters, not UTF-16 units, and accept exactly the limit', () => {
    const emojiName = '📷'.repeat(LIMITS.name); // 400 UTF-16 units, 200 characters
    assert.equal(validateEquipment({ name: emojiName, category: 'OTHER' }, 'create').ok, true);
    const errors = errorsOf(
      validateEquipment({ name: 'a'.repeat(LIMITS.name + 1), category: 'OTHER' }, 'create'),
    );
    assert.deepEqual(
      errors.map((e) => e.field),
      ['name'],
    );
    const longUrl = `https://example.com/${'a'.repeat(LIMITS.imageUrl - 20)}`;
    assert.equal(longUrl.length, LIMITS.imageUrl);
    assert.equal(
      validateEquipment({ name: 'x', category: 'LENS', imageUrl: longUrl }, 'create').ok,
      true,
    );
    assert.equal(
      validateEquipment({ name: 'x', category: 'LENS', imageUrl: `${longUrl}a` }, 'create').ok,
      false,
    );
  });

  it('every category is accepted in any case and stored upper case', () => {
    for (const category of CATEGORIES) {
      const result = validateEquipment({ name: 'x', category: category.toLowerCase() }, 'create');
      assert.deepEqual(result, { ok: true, value: { name: 'x', category } });
    }
  });

  it('refuses locationId and location together', () => {
    const errors = errorsOf(
      validateEquipment(
        { name: 'x', category: 'LENS', locationId: 'a', location: 'Studio' },
        'create',
      ),
    );
    assert.deepEqual(
      errors.map((e) => e.field),
      ['location'],
    );
  });

  it('passes a location name through, trimmed and limited', () => {
    assert.deepEqual(
      validateEquipment({ name: 'x', category: 'LENS', location: ' Studio B ' }, 'create'),
      {
        ok: true,
        value: { name: 'x', category: 'LENS', location: 'Studio B' },
      },
    );
    assert.equal(
      validateEquipment({ name: 'x', category: 'LENS', location: 'l'.repeat(201) }, 'create').ok,
      false,
    );
  });

  it('on update, absent keys stay, null or empty clears optional fields', () => {
    const result = validateEquipment(
      { brand: null, model: '', notes: '', imageUrl: null, locationId: '', category: 'tripod' },
      'update',
    );
    assert.deepEqual(result, {
      ok: true,
      value: {
        category: 'TRIPOD',
        brand: null,
        model: null,
        notes: null,
        imageUrl: null,
        locationId: null,
      },
    });
    assert.deepEqual(validateEquipment({}, 'update'), { ok: true, value: {} });
  });

  it('on update, name and category cannot be cleared and assetId cannot change', () => {
    const errors = errorsOf(
      validateEquipment({ name: ' ', category: null, assetId: 'X' }, 'update'),
    );
    assert.deepEqual(errors.map((e) => e.field).sort(), ['assetId', 'category', 'name']);
  });

  it('a body that is not an object is one error', () => {
    const errors = errorsOf(validateEquipment([] as unknown as Record<string, unknown>, 'create'));
    assert.equal(errors.length, 1);
  });
});

describe('domain/equipment newAssetId', () => {
  it('is the category, an underscore and 8 lowercase base-36 characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = newAssetId('CAMERA');
      assert.match(id, /^CAMERA_[0-9a-z]{8}$/);
      assert.match(id, ID_PATTERN);
      seen.add(id);
    }
    assert.equal(seen.size, 1000);
  });

  it('draws from the given random source and skips biased bytes', () => {
    let calls = 0;
    const random = {
      randomBytes(size: number): Buffer {
        calls++;
        // First call: only bytes >= 252 (all dropped) but one; second call fills the rest.
        return calls === 1
          ? Buffer.from([255, 254, 35, ...new Array<number>(size - 3).fill(252)])
          : Buffer.from(new Array<number>(size).fill(37));
      },
    };
    assert.equal(newAssetId('LENS', random), 'LENS_z1111111');
    assert.equal(calls, 2);
  });

  it('refuses a value that is not a category', () => {
    assert.throws(() => newAssetId('camera' as 'CAMERA'), RangeError);
  });
});
