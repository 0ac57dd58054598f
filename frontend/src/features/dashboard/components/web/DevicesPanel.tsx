import { WebBreakdownPanel, type WebPanelProps, type WebTab } from "./WebBreakdownPanel";

type DeviceTab = "browser" | "browser_version" | "os" | "device";

const TABS: [WebTab<DeviceTab>, ...WebTab<DeviceTab>[]] = [
  { id: "browser", label: "Browser", by: "browser", column: "Browser" },
  { id: "browser_version", label: "Version", by: "browser_version", column: "Browser version" },
  { id: "os", label: "OS", by: "os", column: "Operating system" },
  { id: "device", label: "Device type", by: "device", column: "Device type" },
];

/** What visitors used: browser (and its major version), operating system, device type. */
export function DevicesPanel(props: WebPanelProps) {
  return <WebBreakdownPanel {...props} title="Devices" name="devices" tabs={TABS} />;
}
