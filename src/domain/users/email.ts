/** Emails are unique whatever their case or surrounding blanks: this is the form they are compared in. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
