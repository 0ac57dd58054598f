import { track } from "../../../lib/tracking";
import { exportUrl, type AnalyticsParams } from "../api/analytics";

/** Download the events matching the current filters as CSV. */
export function ExportCsvLink({ params }: { params: AnalyticsParams }) {
  return (
    <a
      href={exportUrl(params)}
      download
      className="btn-secondary"
      data-testid="export-csv"
      onClick={() => track("export_csv", { kind: "events" })}
    >
      Export CSV
    </a>
  );
}
