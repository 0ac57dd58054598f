// Countries by ISO 3166-1 alpha-2 code: a flag drawn by the font (regional indicator
// letters, no image and no CDN) and a name in the reader's language.

const REGIONAL_INDICATOR_A = 0x1f1e6;
const CODE_PATTERN = /^[A-Z]{2}$/;

/** The flag emoji of a two-letter code ("DE" -> 🇩🇪), or "" for anything else. */
export function flagEmoji(code: string | null | undefined): string {
  const upper = (code ?? "").toUpperCase();
  if (!CODE_PATTERN.test(upper)) return "";
  return String.fromCodePoint(...[...upper].map((letter) => REGIONAL_INDICATOR_A + letter.charCodeAt(0) - 65));
}

const namesByLocale = new Map<string, Intl.DisplayNames | null>();

function regionNames(locale: string | undefined): Intl.DisplayNames | null {
  const key = locale ?? "";
  if (!namesByLocale.has(key)) {
    try {
      namesByLocale.set(key, new Intl.DisplayNames(locale ? [locale] : undefined, { type: "region", fallback: "code" }));
    } catch {
      namesByLocale.set(key, null);
    }
  }
  return namesByLocale.get(key) ?? null;
}

/** The country's name ("DE" -> "Germany" in English), or the code itself when the browser
 * does not know it. */
export function countryName(code: string, locale?: string): string {
  const upper = code.toUpperCase();
  if (!CODE_PATTERN.test(upper)) return code;
  try {
    return regionNames(locale)?.of(upper) ?? upper;
  } catch {
    return upper;
  }
}
