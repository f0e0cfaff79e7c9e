import { describe, expect, it } from 'vitest';
import { TYPING_THROTTLE_MS, TypingNotifier } from '@/util/typing';

describe('TypingNotifier', () => {
  it('typing:true at most every 2.5 s while typing, typing:false once when cleared or sent', () => {
    let now = 0;
    const sent: boolean[] = [];
    const t = new TypingNotifier((v) => sent.push(v), () => now);
    t.input('h');
    now += 500;
    t.input('he');
    now += 1000;
    t.input('hel');
    expect(sent).toEqual([true]);
    now += TYPING_THROTTLE_MS;
    t.input('hell');
    expect(sent).toEqual([true, true]);
    t.input('');
    t.input('   ');
    expect(sent).toEqual([true, true, false]);
    t.input('again');
    t.stop();
    t.stop();
    expect(sent).toEqual([true, true, false, true, false]);
  });
});
