import { Panel } from "../../../components/layout/Panel";
import { useTopPages } from "../api/queries";
import { queryState, type PanelQueryProps } from "./panelState";
import { TopPagesTable } from "./TopPagesTable";

/** The most viewed pages of sites that embed /t.js. */
export function TopPagesPanel({ params, poll }: PanelQueryProps) {
  const topPages = useTopPages(params, poll);
  return (
    <Panel
      title="Top pages"
      className="md:col-span-2"
      {...queryState(topPages, (data) => data.pages.length === 0)}
      emptyMessage="No page views in this range yet. Embed /t.js on a site to see its pages."
    >
      <TopPagesTable pages={topPages.data?.pages ?? []} />
    </Panel>
  );
}
