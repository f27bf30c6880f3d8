// How values read on screen. Formatting only: every figure comes from the API as it is.
const UNITS = ["B", "KB", "MB", "GB", "TB"];

export function bytes(value) {
  if (value === null || value === undefined) return "—";
  let size = Number(value);
  let unit = 0;
  while (size >= 1024 && unit < UNITS.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${size.toFixed(unit === 0 ? 0 : 1)} ${UNITS[unit]}`;
}

export function count(value) {
  return value === null || value === undefined ? "—" : Number(value).toLocaleString("en");
}

export function seconds(value) {
  if (value === null || value === undefined) return "—";
  const total = Number(value);
  if (total < 60) return `${total.toFixed(total < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(total % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Seconds between two API timestamps, or null while the second is missing. */
export function elapsed(start, end) {
  if (!start || !end) return null;
  return (Date.parse(end) - Date.parse(start)) / 1000;
}

export function when(value) {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString("en-GB", { hour12: false });
}

export function who(admin) {
  return admin ? admin.displayName || admin.email : "—";
}

export function status(value) {
  return value ? value.toLowerCase().replace("_", " ") : "—";
}
