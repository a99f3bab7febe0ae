//! The one shape of the domain's bearer secrets (access, refresh and reset tokens) and of the
//! digests stores keep of them: text that whoever holds it may use, so its `Debug` never shows
//! it, and 32 bytes that stand for it in a store, shown as little. Each secret type is declared
//! with [`bearer_secret!`] where its concept lives, so the redaction rule is written once.

/// Declares a newtype over an encoded bearer secret: `new`, `as_str`, `into_inner`, and a
/// `Debug` that prints only the type's name.
macro_rules! bearer_secret {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps an encoded token.
            #[must_use]
            pub fn new(encoded: impl Into<String>) -> Self {
                Self(encoded.into())
            }

            /// The encoded token, to hand to its holder.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The encoded token, taken out.
            #[must_use]
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

/// Declares the 32-byte digest a store keeps of a bearer secret and looks it up by. Its
/// `Debug` shows none of the bytes: a digest in a log would let a reader match it to a row.
macro_rules! secret_digest {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub [u8; 32]);

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(..)"))
            }
        }
    };
}

pub(crate) use {bearer_secret, secret_digest};
