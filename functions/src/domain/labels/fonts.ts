// The fonts label text prints in, and which one each piece of a line uses. The PDF standard
// fonts know Latin-1 only, so names in other scripts printed as "?"; these are Noto fonts from
// npm packages, embedded in the PDF as subsets (only the glyphs a document uses), so a PDF of
// Latin names carries a few kilobytes of font whatever the size of the font files.
//
// A line is cut into runs, each in one font: Noto Sans for Latin, Greek and Cyrillic (and digits
// and punctuation), Noto Sans Arabic for Arabic, Noto Sans JP for Japanese and the other Han
// characters it has. fontkit (pdfkit's font engine) shapes each run (Arabic joining forms and
// ligatures) and puts a right-to-left run's glyphs in visual order; a line whose first letter is
// Arabic also has its runs in right-to-left order. A character that none of the fonts has prints
// as "?".
import * as fs from 'node:fs';
import * as fontkit from 'fontkit';

export type Script = 'latin' | 'arabic' | 'cjk';

const SCRIPTS: readonly Script[] = ['latin', 'arabic', 'cjk'];

/** The font files, from their npm packages (runtime dependencies of the functions). */
const FILES: Record<Script, Record<'regular' | 'bold', string>> = {
  latin: {
    regular: '@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf',
    bold: '@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf',
  },
  arabic: {
    regular: '@expo-google-fonts/noto-sans-arabic/400Regular/NotoSansArabic_400Regular.ttf',
    bold: '@expo-google-fonts/noto-sans-arabic/700Bold/NotoSansArabic_700Bold.ttf',
  },
  cjk: {
    regular: '@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf',
    bold: '@expo-google-fonts/noto-sans-jp/700Bold/NotoSansJP_700Bold.ttf',
  },
};

export interface Face {
  /** The name the PDF writer registers the font under. */
  name: string;
  bytes: Buffer;
  font: fontkit.Font;
  /** Above and below the baseline, in em, as the font declares them (hhea). */
  ascent: number;
  descent: number;
}

const faces = new Map<string, Face>();

/** Loaded on first use (the Japanese font is 5 MB): a label of Latin names never reads it. */
export function face(script: Script, bold: boolean): Face {
  const name = `${script}-${bold ? 'bold' : 'regular'}`;
  let f = faces.get(name);
  if (!f) {
    const bytes = fs.readFileSync(require.resolve(FILES[script][bold ? 'bold' : 'regular']));
    const font = fontkit.create(bytes) as fontkit.Font;
    f = {
      name,
      bytes,
      font,
      ascent: font.ascent / font.unitsPerEm,
      descent: -font.descent / font.unitsPerEm,
    };
    faces.set(name, f);
  }
  return f;
}

/** Coverage does not depend on the weight: the regular faces answer for both. */
const has = (script: Script, codePoint: number): boolean =>
  face(script, false).font.hasGlyphForCodePoint(codePoint);

type Class = Script | 'neutral';

const ARABIC = /\p{Script=Arabic}/u;
const HAN_KANA = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const NEUTRAL = /[\p{Zs}\p{P}\p{S}]/u;

/** The script a character prints in, or undefined when no font has it. */
function classify(c: string): Class | undefined {
  const cp = c.codePointAt(0) ?? 0;
  // Printable ASCII, most of every label: Noto Sans has all of it.
  if (cp >= 0x20 && cp < 0x7f) return /[A-Za-z0-9]/.test(c) ? 'latin' : 'neutral';
  if (ARABIC.test(c)) return has('arabic', cp) ? 'arabic' : undefined;
  if (HAN_KANA.test(c)) return has('cjk', cp) ? 'cjk' : undefined;
  if (has('latin', cp)) return NEUTRAL.test(c) ? 'neutral' : 'latin';
  if (has('cjk', cp)) return 'cjk';
  return undefined;
}

export interface Run {
  text: string;
  script: Script;
  /** Right to left: shaped as one piece, so the words keep their right-to-left order. */
  rtl: boolean;
}

/** Layout measures the same texts many times (shortening is a binary search): runs are kept. */
const runCache = new Map<string, Run[]>();
const RUN_CACHE_SIZE = 20_000;

/** A line cut into runs of one font each, in the order they are drawn from left to right. */
export function runsOf(text: string): Run[] {
  let runs = runCache.get(text);
  if (!runs) {
    if (runCache.size >= RUN_CACHE_SIZE) runCache.clear();
    runs = cutIntoRuns(text);
    runCache.set(text, runs);
  }
  return runs;
}

function cutIntoRuns(text: string): Run[] {
  const chars = [...text].map((c) => {
    const cls = classify(c);
    return cls === undefined ? { c: '?', cls: 'neutral' as Class } : { c, cls };
  });
  // Spaces and punctuation join the run around them; next to Arabic only when Arabic follows
  // too (a trailing space inside a right-to-left run would print on its wrong side).
  const resolved: Script[] = [];
  for (let i = 0; i < chars.length; i++) {
    const { cls } = chars[i];
    if (cls !== 'neutral') {
      resolved.push(cls);
      continue;
    }
    const before = resolved[i - 1];
    const after = chars.slice(i + 1).find((x) => x.cls !== 'neutral')?.cls as Script | undefined;
    if (before === 'cjk' && has('cjk', chars[i].c.codePointAt(0) ?? 0)) resolved.push('cjk');
    else if (before === 'arabic' && after === 'arabic') resolved.push('arabic');
    else resolved.push('latin');
  }
  const runs: Run[] = [];
  chars.forEach(({ c }, i) => {
    const script = resolved[i];
    const last = runs[runs.length - 1];
    if (last && last.script === script) last.text += c;
    else runs.push({ text: c, script, rtl: script === 'arabic' });
  });
  const firstLetter = chars.find((x) => /\p{L}/u.test(x.c));
  const rtlLine = firstLetter !== undefined && firstLetter.cls === 'arabic';
  return rtlLine ? runs.reverse() : runs;
}

/** Every face, regular and bold, of every script (for the start-up check and the tests). */
export function allFaces(): Face[] {
  return SCRIPTS.flatMap((s) => [face(s, false), face(s, true)]);
}
