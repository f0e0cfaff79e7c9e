// The official Vert.x event-bus bridge client (UMD/CommonJS, no typings of its own).
declare module '@vertx/eventbus-bridge-client.js' {
  export interface EventBusMessage {
    type: string;
    address: string;
    body: unknown;
    headers?: Record<string, string>;
    replyAddress?: string;
  }
  export interface EventBusFailure {
    failureCode: number;
    failureType: string;
    message: string;
  }
  export type EventBusHandler = (error: EventBusFailure | null, message: EventBusMessage) => void;

  export default class EventBus {
    constructor(url: string, options?: Record<string, unknown>);
    static CONNECTING: 0;
    static OPEN: 1;
    static CLOSING: 2;
    static CLOSED: 3;
    state: number;
    onopen: (() => void) | null;
    onclose: ((event?: { code?: number; reason?: string }) => void) | null;
    onerror: (error: EventBusFailure) => void;
    send(address: string, message: unknown, headers?: Record<string, string>, callback?: EventBusHandler): void;
    send(address: string, message: unknown, callback?: EventBusHandler): void;
    publish(address: string, message: unknown, headers?: Record<string, string>): void;
    registerHandler(address: string, callback: EventBusHandler): void;
    registerHandler(address: string, headers: Record<string, string>, callback: EventBusHandler): void;
    unregisterHandler(address: string, callback: EventBusHandler): void;
    close(): void;
    enableReconnect(enable: boolean): void;
    enablePing(enable: boolean): void;
  }
}
