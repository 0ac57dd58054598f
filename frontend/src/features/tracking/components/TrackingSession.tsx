import { useEffect } from "react";
import { useLocation } from "react-router";

import { track } from "../../../lib/tracking";
import { eventQueue } from "../eventQueue";

/** Send tracked events only while someone is signed in; record every page view. */
export function TrackingSession({ signedIn }: { signedIn: boolean }) {
  const location = useLocation();
  useEffect(() => {
    eventQueue.setEnabled(signedIn);
  }, [signedIn]);
  useEffect(() => {
    track("page_view", { path: location.pathname });
  }, [location.pathname]);
  return null;
}
