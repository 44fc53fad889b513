import type { Decider } from '../shared/decider.js';
import { conflict, ruleViolated } from '../shared/errors.js';
import type { EmailReservationCommand } from './commands.js';
import type { EmailReservationEvent } from './events.js';

/**
 * One stream per normalized email, appended with expectedRevision `no_stream` by the application:
 * the store, not a read model, is what makes two concurrent sign-ups with the same email collide.
 */
export interface EmailReservation {
  reserved: boolean;
  email: string;
  userId: string;
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const initialState = (): EmailReservation => ({ reserved: false, email: '', userId: '' });

export const decide = (command: EmailReservationCommand, state: EmailReservation): EmailReservationEvent[] => {
  switch (command.type) {
    case 'ReserveEmail': {
      const email = normalizeEmail(command.data.email);
      if (email === '') throw ruleViolated('email_required', 'an email is required');
      if (state.reserved) {
        if (state.userId === command.data.userId) return [];
        throw conflict('email_taken', 'the email is already taken');
      }
      return [{ type: 'EmailReserved', data: { email, userId: command.data.userId } }];
    }
  }
};

export const evolve = (state: EmailReservation, event: EmailReservationEvent): EmailReservation => {
  switch (event.type) {
    case 'EmailReserved':
      return { reserved: true, email: event.data.email, userId: event.data.userId };
  }
};

export const emailReservationDecider: Decider<EmailReservation, EmailReservationCommand, EmailReservationEvent> = {
  decide,
  evolve,
  initialState,
};

export const emailReservationStream = (email: string): string => `user_email-${normalizeEmail(email)}`;
