import { WebBreakdownPanel, type WebPanelProps, type WebTab } from "./WebBreakdownPanel";

type PageTab = "page" | "entry_page" | "exit_page";

const TABS: [WebTab<PageTab>, ...WebTab<PageTab>[]] = [
  { id: "page", label: "Top pages", by: "page", column: "Page" },
  { id: "entry_page", label: "Entry pages", by: "entry_page", column: "Entry page" },
  { id: "exit_page", label: "Exit pages", by: "exit_page", column: "Exit page" },
];

/** The pages viewed most, and those visits began and ended on. */
export function PagesPanel(props: WebPanelProps) {
  return <WebBreakdownPanel {...props} title="Pages" name="pages" tabs={TABS} />;
}
