import { useEffect, useId, useRef, useState } from "react";

/** Put text on the clipboard; where the Clipboard API is missing (plain http on another
 * host), copy the selection of `fallback`. Resolves whether it worked. */
export async function copyText(text: string, fallback?: HTMLInputElement | HTMLTextAreaElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, document not focused): try the selection below.
  }
  if (!fallback) return false;
  fallback.focus();
  fallback.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

interface CopyFieldProps {
  label: string;
  value: string;
  /** A multi-line value (a script tag) is shown in a textarea. */
  multiline?: boolean;
  /** Called after each copy (the caller tracks it). */
  onCopy?: () => void;
  testId?: string;
}

/** A read-only value with a Copy button that says when it worked. */
export function CopyField({ label, value, multiline = false, onCopy, testId }: CopyFieldProps) {
  const id = useId();
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);

  useEffect(() => {
    if (copied === null) return undefined;
    const timer = setTimeout(() => setCopied(null), 2500);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy() {
    const worked = await copyText(value, field.current);
    setCopied(worked);
    if (worked) onCopy?.();
  }

  const shared = {
    id,
    ref: field,
    readOnly: true,
    value,
    className: "input font-mono text-xs",
    "data-testid": testId,
    onFocus: (event: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => event.currentTarget.select(),
  };
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-500 dark:text-slate-400">
        {label}
      </label>
      <div className="flex items-start gap-2">
        {multiline ? <textarea rows={2} {...shared} /> : <input type="text" {...shared} />}
        <button type="button" className="btn-secondary shrink-0" onClick={() => void copy()} aria-label={`Copy ${label}`}>
          Copy
        </button>
      </div>
      <p aria-live="polite" className="mt-1 h-4 text-xs">
        {copied === true && <span className="text-emerald-700 dark:text-emerald-400">Copied to the clipboard.</span>}
        {copied === false && <span className="text-amber-700 dark:text-amber-400">Could not copy: select the text and copy it.</span>}
      </p>
    </div>
  );
}
