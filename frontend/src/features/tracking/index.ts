// Click tracking: the event queue behind lib/tracking's track(), and the component that
// turns it on for a signed-in user. (tracker/t.ts is the separate public /t.js.)
export { TrackingSession } from "./components/TrackingSession";
export { eventQueue } from "./eventQueue";
