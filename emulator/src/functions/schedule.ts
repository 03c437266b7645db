// Schedules of onSchedule functions: unix-cron (via cron-parser, in the function's time zone) and
// the App Engine cron forms Cloud Scheduler accepts that projects actually use: `every N minutes`,
// `every N hours`, `every day HH:MM` and `every monday HH:MM`.

import { CronExpressionParser } from 'cron-parser';

export interface Schedule {
  /** The first run strictly after `from`. */
  next(from: Date): Date;
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export function parseSchedule(schedule: string, timeZone = 'UTC'): Schedule {
  const text = schedule.trim().toLowerCase().replace(/\s+/g, ' ');
  const interval = /^every (\d+) (minute|minutes|mins|min|hour|hours|hrs|hr)( synchronized)?$/.exec(
    text,
  );
  if (interval) {
    const n = Number(interval[1]);
    if (n <= 0) throw new Error(`invalid schedule "${schedule}": interval must be positive`);
    const ms = n * (interval[2].startsWith('h') ? 3_600_000 : 60_000);
    return {
      // Cloud Scheduler counts intervals from when the job starts; aligning to the epoch keeps
      // runs on round times (every 5 minutes -> :00, :05, ...), which is what people expect.
      next: (from) => new Date((Math.floor(from.getTime() / ms) + 1) * ms),
    };
  }
  const daily = /^every (day|[a-z]+day) (\d{1,2}):(\d{2})$/.exec(text);
  if (daily && (daily[1] === 'day' || DAYS.includes(daily[1]))) {
    const dow = daily[1] === 'day' ? '*' : String(DAYS.indexOf(daily[1]));
    return cron(`${Number(daily[3])} ${Number(daily[2])} * * ${dow}`, timeZone);
  }
  return cron(schedule.trim(), timeZone);
}

function cron(expression: string, timeZone: string): Schedule {
  // Parse once up front so a bad expression fails at load time, not at the first tick.
  CronExpressionParser.parse(expression, { tz: timeZone, strict: false });
  return {
    next: (from) =>
      CronExpressionParser.parse(expression, { tz: timeZone, currentDate: from }).next().toDate(),
  };
}
