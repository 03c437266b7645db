// Query-string values: one string each, validated, with the parameter named in every error.
import type { Request } from 'express';
import { AppError } from '../domain/errors';

export function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new AppError('invalid_argument', `${name} must be given once, as plain text`, {
      field: name,
    });
  }
  return value;
}

export function queryInt(
  req: Request,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const raw = queryString(req, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,7}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new AppError('invalid_argument', `${name} must be a whole number from ${min} to ${max}`, {
      field: name,
    });
  }
  return Number(raw);
}

export function queryEnum<T extends string>(
  req: Request,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = queryString(req, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new AppError('invalid_argument', `${name} must be one of ${allowed.join(', ')}`, {
      field: name,
    });
  }
  return raw as T;
}
