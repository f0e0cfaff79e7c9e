// When to tell the others "typing": at most once every THROTTLE_MS while the text is not blank
// (the server ends a typing state after ~6 s of silence), and "stopped" once when the text is
// cleared or sent.

export const TYPING_THROTTLE_MS = 2_500;

export class TypingNotifier {
  private active = false;
  private lastSent = 0;

  constructor(
    private readonly send: (typing: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The composer's text changed. */
  input(text: string): void {
    if (text.trim().length > 0) {
      const t = this.now();
      if (!this.active || t - this.lastSent >= TYPING_THROTTLE_MS) {
        this.active = true;
        this.lastSent = t;
        this.send(true);
      }
    } else {
      this.stop();
    }
  }

  /** The message was sent, the text cleared, or the conversation closed. */
  stop(): void {
    if (this.active) {
      this.active = false;
      this.lastSent = 0;
      this.send(false);
    }
  }
}
