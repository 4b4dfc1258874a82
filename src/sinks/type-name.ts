import { DataType, DateUnit, TimeUnit } from 'apache-arrow';

const UNIT: Record<TimeUnit, string> = {
  [TimeUnit.SECOND]: 's',
  [TimeUnit.MILLISECOND]: 'ms',
  [TimeUnit.MICROSECOND]: 'us',
  [TimeUnit.NANOSECOND]: 'ns',
};

/** Short, stable type names for warnings and errors (Arrow's own toString varies by type). */
export function typeName(t: DataType): string {
  if (DataType.isInt(t)) return `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`;
  if (DataType.isFloat(t)) return ['float16', 'float32', 'float64'][t.precision] ?? 'float';
  if (DataType.isDecimal(t)) return `decimal(${t.precision},${t.scale})`;
  if (DataType.isTimestamp(t)) return `timestamp[${UNIT[t.unit]}${t.timezone ? `, ${t.timezone}` : ''}]`;
  if (DataType.isDate(t)) return t.unit === DateUnit.DAY ? 'date32' : 'date64';
  if (DataType.isTime(t)) return `time[${UNIT[t.unit]}]`;
  if (DataType.isUtf8(t)) return 'utf8';
  if (DataType.isBool(t)) return 'bool';
  if (DataType.isNull(t)) return 'null';
  return (t as { toString(): string }).toString().toLowerCase();
}
