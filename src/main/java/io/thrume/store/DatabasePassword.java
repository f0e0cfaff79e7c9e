package io.thrume.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The password of the embedded PostgreSQL's superuser: generated once (32 random bytes) into
 * {@code <dataDir>/postgres-password}, readable by its owner only. Blocking.
 */
final class DatabasePassword {
  private static final Logger LOG = LoggerFactory.getLogger(DatabasePassword.class);
  static final String FILE_NAME = "postgres-password";
  private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SCRAM_ITERATIONS = 4096;

  private DatabasePassword() {
  }

  /** The password in the data dir, generated there first if there is none (or only a blank file). */
  static String resolve(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      ownerOnly(file);
      String password = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!password.isEmpty()) {
        return password;
      }
      LOG.warn("{} is empty: generating a new database password", file);
    }
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Files.createDirectories(dataDir);
    // created with its final permissions: the password is never readable by others, not even briefly
    Path temp = createOwnerOnly(dataDir, ".postgres-password");
    Files.writeString(temp, password, StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    LOG.info("Generated a password for the embedded PostgreSQL in {}", file);
    return password;
  }

  /** A new empty file in the directory, readable and writable by its owner only from the start. */
  static Path createOwnerOnly(Path dir, String prefix) throws IOException {
    try {
      return Files.createTempFile(dir, prefix, ".new", PosixFilePermissions.asFileAttribute(OWNER_FILE));
    } catch (UnsupportedOperationException notPosix) {
      return Files.createTempFile(dir, prefix, ".new");
    }
  }

  /** Makes a file readable and writable by its owner only (where the file system has POSIX modes). */
  static void ownerOnly(Path file) throws IOException {
    try {
      Set<PosixFilePermission> now = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      if (!now.equals(OWNER_FILE)) {
        Files.setPosixFilePermissions(file, OWNER_FILE);
        LOG.warn("{} was {}: now rw------- (owner only)", file, PosixFilePermissions.toString(now));
      }
    } catch (UnsupportedOperationException notPosix) {
      // not a POSIX file system: the data dir's own protection applies
    }
  }

  /**
   * Creates the directory for this OS user alone (0700), or checks that the one there is a real
   * directory owned by this user, and makes it 0700. Refuses anything else (a link, someone
   * else's directory): a shared temporary directory is where someone could prepare one.
   */
  static void privateDirectory(Path dir) throws IOException {
    try {
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
      } catch (FileAlreadyExistsException exists) {
        // checked below
      }
      PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!attributes.isDirectory() || attributes.isSymbolicLink()) {
        throw new IOException(dir + " is not a directory");
      }
      UserPrincipal me = currentUser(dir.getParent());
      if (!attributes.owner().equals(me)) {
        throw new IOException(dir + " belongs to " + attributes.owner().getName() + ", not to " + me.getName()
          + ": remove it, or set java.io.tmpdir elsewhere");
      }
      if (!attributes.permissions().equals(OWNER_DIR)) {
        Files.setPosixFilePermissions(dir, OWNER_DIR);
      }
    } catch (UnsupportedOperationException notPosix) {
      Files.createDirectories(dir);
    }
  }

  /** The owner of a file this process creates: the OS user the process runs as. */
  private static UserPrincipal currentUser(Path where) throws IOException {
    Path probe = Files.createTempFile(where, ".thrume-owner", ".probe");
    try {
      return Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS);
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  /**
   * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802, RFC 7677):
   * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}. Handing PostgreSQL the
   * verifier keeps the password itself out of the server, its logs and its error messages.
   * The password must be ASCII (SASLprep leaves it unchanged), as generated ones are.
   */
  static String scramVerifier(String password) {
    try {
      byte[] salt = new byte[16];
      RANDOM.nextBytes(salt);
      byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
        .generateSecret(new PBEKeySpec(password.toCharArray(), salt, SCRAM_ITERATIONS, 256)).getEncoded();
      byte[] clientKey = hmac(salted, "Client Key");
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
      byte[] serverKey = hmac(salted, "Server Key");
      Base64.Encoder b64 = Base64.getEncoder();
      return "SCRAM-SHA-256$" + SCRAM_ITERATIONS + ":" + b64.encodeToString(salt) + "$"
        + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SCRAM-SHA-256 is not available", e);
    }
  }

  private static byte[] hmac(byte[] key, String text) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(text.getBytes(StandardCharsets.US_ASCII));
  }
}
