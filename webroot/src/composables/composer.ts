// Writing and sending in one conversation (MessageComposer): the text, kept as a draft
// (util/drafts.ts); "typing" told to the others while there is text (util/typing.ts); Send puts the
// message into the outbox, which sends it at once when connected, else when the connection is back.
import { computed, onBeforeUnmount, watch } from 'vue';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';
import { useMessageActionsStore } from '@/stores/messageActions';
import { useOutboxStore } from '@/stores/outbox';
import { MAX_ATTACHMENTS, useUploadsStore } from '@/stores/uploads';
import { useDraft } from '@/util/drafts';
import { TypingNotifier } from '@/util/typing';

export const MAX_CODE_POINTS = 4000;

export function useComposer(conversationId: string) {
  // the account is read once: the draft stays the account's even while the session is ending
  const text = useDraft(useAuthStore().account?.id ?? null, conversationId);
  const typing = new TypingNotifier((isTyping) => {
    const connection = useConnectionStore();
    if (!connection.isConnected()) return;
    // a typing state goes stale within seconds by itself: one that did not arrive is not worth telling
    connection.request('chat.typing', { conversationId, typing: isTyping }).catch(() => {});
  });
  const length = computed(() => [...text.value].length);
  const tooLong = computed(() => length.value > MAX_CODE_POINTS);
  // files: sent once all are uploaded (a message with files may have no text)
  const uploads = useUploadsStore();
  const files = computed(() => uploads.ready(conversationId));
  const uploading = computed(() => uploads.busy(conversationId));
  const tooManyFiles = computed(() => files.value.length > MAX_ATTACHMENTS);
  const canSend = computed(
    () => (text.value.trim().length > 0 || files.value.length > 0) && !tooLong.value && !uploading.value && !tooManyFiles.value,
  );

  watch(text, (value) => typing.input(value));
  onBeforeUnmount(() => typing.stop());

  /** Send: into the outbox; false when there is nothing to send. */
  function send(): boolean {
    if (!canSend.value) return false;
    const actions = useMessageActionsStore();
    // the reply and the files go with the message; the quote above the composer goes away
    useOutboxStore().enqueue(conversationId, text.value, actions.replyTo[conversationId]?.seq, uploads.take(conversationId));
    actions.cancelReply(conversationId);
    text.value = '';
    typing.stop();
    return true;
  }

  return { text, length, tooLong, canSend, send, uploading, tooManyFiles };
}
