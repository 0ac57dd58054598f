import { useId, useState, type ReactNode } from "react";

import { Panel, Skeleton } from "../../../../components/layout/Panel";
import { track } from "../../../../lib/tracking";
import { useWebBreakdown } from "../../api/queries";
import type { WebDimension } from "../../api/web";
import { valueText } from "../../utils/webFormat";
import { queryState, type PanelQueryProps } from "../panelState";
import { tabId, Tabs, type TabOption } from "./Tabs";
import { WebBreakdownList } from "./WebBreakdownList";
import { WebValue } from "./WebValue";

/** One tab of a web panel: which breakdown it shows, and its value column's heading. */
export interface WebTab<T extends string = string> extends TabOption<T> {
  by: WebDimension;
  column: string;
}

/** What a web panel does when a row is clicked: filter the dashboard by the row's value. */
export type WebFilterHandler = (by: WebDimension, value: string | null) => void;

export interface WebPanelProps extends PanelQueryProps {
  onFilter: WebFilterHandler;
}

interface WebBreakdownPanelProps<T extends string> extends WebPanelProps {
  title: string;
  /** The panel's name in tracked events and test ids ("sources"). */
  name: string;
  /** One tab or more; with one, no tab list shows. */
  tabs: readonly [WebTab<T>, ...WebTab<T>[]];
  /** Controls beside the tabs for the selected one (the UTM field select). */
  tabControls?: (selected: T) => ReactNode;
  className?: string;
}

/** A web breakdown panel: tabs over breakdowns, rows that filter the dashboard, and the
 * loading, empty and error states every panel has. */
export function WebBreakdownPanel<T extends string>({ params, poll, onFilter, title, name, tabs, tabControls, className }: WebBreakdownPanelProps<T>) {
  const first = tabs[0];
  const [selectedId, setSelectedId] = useState<T>(first.id);
  const tab = tabs.find((candidate) => candidate.id === selectedId) ?? first;
  const query = useWebBreakdown(params, tab.by, poll);
  const idPrefix = `web-${name}-${useId().replace(/:/g, "")}`;
  // While another tab's answer stands in for this one's (kept across filter changes), load.
  const otherTab = query.isPlaceholderData && query.data?.by !== tab.by;
  const state = { ...queryState(query, (data) => data.rows.length === 0), ...(otherTab ? { isLoading: true } : {}) };
  const panelId = `${idPrefix}-panel`;
  const showsRows = !state.isLoading && !state.error && !state.isEmpty;

  function select(id: T) {
    if (id === selectedId) return;
    track("web_tab_change", { panel: name, tab: id });
    setSelectedId(id);
  }

  function filter(value: string | null) {
    // The dimension only: values name a customer's pages and sources.
    track("web_filter_add", { dimension: tab.by, panel: name });
    onFilter(tab.by, value);
  }

  const actions = (
    <div className="flex flex-wrap items-center gap-2">
      {tabs.length > 1 && (
        <Tabs label={`${title} breakdowns`} tabs={tabs} selected={tab.id} onSelect={select} idPrefix={idPrefix} controls={showsRows ? panelId : undefined} />
      )}
      {tabControls?.(tab.id)}
    </div>
  );

  return (
    <Panel
      title={title}
      testId={`web-panel-${name}`}
      className={className}
      actions={actions}
      {...state}
      emptyMessage="No data for these filters"
      skeleton={<Skeleton lines={5} height="h-5" />}
    >
      <div id={panelId} role={tabs.length > 1 ? "tabpanel" : undefined} aria-labelledby={tabs.length > 1 ? tabId(idPrefix, tab.id) : undefined}>
        {query.data && (
          <WebBreakdownList
            breakdown={query.data}
            column={tab.column}
            renderValue={(value) => <WebValue by={tab.by} value={value} />}
            describeValue={(value) => valueText(tab.by, value)}
            onSelect={filter}
            testId={`web-rows-${name}`}
          />
        )}
      </div>
    </Panel>
  );
}
