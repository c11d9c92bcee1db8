/**
 * Secret values shorter than this are refused by the secret store and not matched by redaction: a
 * one-letter "secret" would rewrite every stored string that contains the letter.
 */
export const MIN_SECRET_LENGTH = 4;
