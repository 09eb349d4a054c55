// Reads an iCalendar file on stdin with Mozilla's ical.js (Thunderbird's parser) and prints, as
// JSON, what a client would show: each event's UTC times, whether they are floating, its UID,
// SEQUENCE and STATUS. Like a client, it knows only the time zones the file itself defines.
import ICAL from "ical.js";

let text = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) text += chunk;

const root = new ICAL.Component(ICAL.parse(text));
const zones = [];
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(vtimezone);
  ICAL.TimezoneService.register(zone);
  zones.push(zone.tzid);
}
const time = (t) => ({ utc: t.toJSDate().toISOString(), floating: t.zone === ICAL.Timezone.localTimezone
  || t.zone?.tzid === "floating", tzid: t.zone?.tzid ?? null });
const events = root.getAllSubcomponents("vevent").map((v) => {
  const event = new ICAL.Event(v);
  return { uid: event.uid, sequence: event.sequence, status: v.getFirstPropertyValue("status"),
           summary: event.summary, start: time(event.startDate), end: time(event.endDate),
           dtstamp: v.getFirstPropertyValue("dtstamp")?.toString() ?? null };
});
process.stdout.write(JSON.stringify({ method: root.getFirstPropertyValue("method"), zones, events }));
