/** The product's logo and name. */
export function BrandMark({ className = "" }: { className?: string }) {
  return (
    <p className={`flex items-center gap-2 text-lg font-bold text-indigo-600 dark:text-indigo-400 ${className}`}>
      <img src="/favicon.svg" alt="" className="h-6 w-6" />
      Ouroboard
    </p>
  );
}
