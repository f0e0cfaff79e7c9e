package io.thrume.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.thrume.bus.EncodedJson;
import io.thrume.model.Message;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Page and sync answers written as JSON text straight from their messages: the text a JsonObject
 * of them encodes to, without building one first (a page of 20 messages is some 300 map entries)
 * and walking it again to encode it.
 */
final class AnswerText {
  private static final JsonFactory JSON = new JsonFactory();

  private AnswerText() {
  }

  /** {messages, hasMore}. */
  static EncodedJson page(List<Message> messages, boolean hasMore, Message.Urls urls) {
    long bound = 40;
    for (Message m : messages) {
      bound += m.maxEncodedBytes();
    }
    return write(bound, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("messages");
      for (Message m : messages) {
        m.writeJson(g, urls);
      }
      g.writeEndArray();
      g.writeBooleanField("hasMore", hasMore);
      g.writeEndObject();
    });
  }

  /** What one of a sync's reads found for one conversation: its counter, its messages, whether more remain. */
  static final class Part {
    private final String counterField;
    private final String list;
    private final String moreField;
    Long counter;
    final List<Message> messages = new ArrayList<>();
    boolean more;

    private Part(String counterField, String list, String moreField) {
      this.counterField = counterField;
      this.list = list;
      this.moreField = moreField;
    }
  }

  /**
   * A sync answer being filled, {conversations: {id: {…}}}: conversations in the order first met,
   * each with the parts of the reads that found it, in read order.
   */
  static final class Sync {
    private final Map<String, Part[]> conversations = new LinkedHashMap<>();
    private final int reads;
    /** What the answer takes so far, at most (the messages' bounds, plus each conversation's own). */
    long bytes;

    Sync(int reads) {
      this.reads = reads;
    }

    /** The conversation's part of read {@code read}, made on first use; a conversation new to the answer adds entryBytes. */
    Part part(String conversationId, int read, String counterField, String list, String moreField, long entryBytes) {
      Part[] parts = conversations.get(conversationId);
      if (parts == null) {
        parts = new Part[reads];
        conversations.put(conversationId, parts);
        bytes += entryBytes;
      }
      if (parts[read] == null) {
        parts[read] = new Part(counterField, list, moreField);
      }
      return parts[read];
    }

    EncodedJson text(Message.Urls urls) {
      return write(bytes + 40, g -> {
        g.writeStartObject();
        g.writeObjectFieldStart("conversations");
        for (Map.Entry<String, Part[]> conversation : conversations.entrySet()) {
          g.writeObjectFieldStart(conversation.getKey());
          for (Part part : conversation.getValue()) {
            if (part == null) {
              continue;
            }
            g.writeFieldName(part.counterField);
            if (part.counter == null) {
              g.writeNull();
            } else {
              g.writeNumber(part.counter);
            }
            g.writeArrayFieldStart(part.list);
            for (Message m : part.messages) {
              m.writeJson(g, urls);
            }
            g.writeEndArray();
            g.writeBooleanField(part.moreField, part.more);
          }
          g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
      });
    }
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  /** The text in a builder sized for it ({@code sizeHint}: the answer's bound), then once to UTF-8. */
  private static EncodedJson write(long sizeHint, Body body) {
    StringBuilder text = new StringBuilder((int) Math.min(Math.max(sizeHint, 256), 1 << 20));
    try (JsonGenerator g = JSON.createGenerator(new Appender(text))) {
      body.write(g);
    } catch (IOException e) {
      // appending to a StringBuilder does not fail
      throw new UncheckedIOException(e);
    }
    return new EncodedJson(Buffer.buffer(text.toString()));
  }

  /** A Writer onto a StringBuilder: a StringWriter's buffer is synchronized, and grows from its own small start. */
  private static final class Appender extends Writer {
    private final StringBuilder text;

    Appender(StringBuilder text) {
      this.text = text;
    }

    @Override
    public void write(char[] chars, int off, int len) {
      text.append(chars, off, len);
    }

    @Override
    public void write(String s, int off, int len) {
      text.append(s, off, off + len);
    }

    @Override
    public void write(int c) {
      text.append((char) c);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  }
}
