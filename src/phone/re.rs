//! A tiny backtracking matcher for the few metadata patterns that need captures: the national
//! prefix for parsing (with its transform rule) and the international (IDD) prefix. These are
//! digit-only patterns (classes, groups, alternation, `?`, `*`, `+`, counted repetition, `^`,
//! `$`), applied to at most a few dozen ASCII digits. Semantics are leftmost-first with greedy
//! quantifiers, as in the `regex` crate the `phonenumber` crate uses and in libphonenumber's
//! Java regexes; the differential harness (`tests/phone_differential.rs`) checks the parses
//! built on it for every region. Each pattern is compiled once, on first use (`meta`).
//!
//! Never panics: a pattern it cannot read, or a search over its step budget, is "no match".

#[derive(Debug, Clone)]
enum Node {
    Set(Vec<(u8, u8)>, bool),
    Group(Box<Node>, Option<usize>),
    Alt(Vec<Node>),
    Concat(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
    Start,
    End,
}

#[derive(Debug, Clone, Copy)]
enum Inst {
    /// Byte in any of the ranges (negated when the flag is set).
    Set(usize, bool),
    Split(usize, usize),
    Jmp(usize),
    Save(usize),
    Start,
    End,
    Match,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Re {
    prog: Vec<Inst>,
    sets: Vec<Vec<(u8, u8)>>,
    groups: usize,
}

/// A successful match: `slots[2k]..slots[2k+1]` is group `k` (group 0 = the whole match).
pub struct Captures {
    slots: Vec<Option<usize>>,
}

impl Captures {
    pub fn get(&self, k: usize) -> Option<(usize, usize)> {
        Some((
            self.slots.get(2 * k).copied()??,
            self.slots.get(2 * k + 1).copied()??,
        ))
    }

    pub fn end(&self) -> usize {
        self.get(0).map(|(_, e)| e).unwrap_or(0)
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    groups: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn alt(&mut self) -> Option<Node> {
        self.depth += 1;
        if self.depth > 64 {
            return None;
        }
        let mut arms = vec![self.concat()?];
        while self.peek() == Some(b'|') {
            self.i += 1;
            arms.push(self.concat()?);
        }
        self.depth -= 1;
        Some(if arms.len() == 1 {
            arms.pop()?
        } else {
            Node::Alt(arms)
        })
    }

    fn concat(&mut self) -> Option<Node> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == b'|' || c == b')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.repeat(atom)?);
        }
        Some(Node::Concat(items))
    }

    fn atom(&mut self) -> Option<Node> {
        let c = self.peek()?;
        self.i += 1;
        Some(match c {
            b'(' => {
                let index = if self.s[self.i..].starts_with(b"?:") {
                    self.i += 2;
                    None
                } else {
                    self.groups += 1;
                    Some(self.groups)
                };
                let inner = self.alt()?;
                if self.peek() != Some(b')') {
                    return None;
                }
                self.i += 1;
                Node::Group(Box::new(inner), index)
            }
            b'[' => self.class()?,
            b'^' => Node::Start,
            b'$' => Node::End,
            b'\\' => {
                let e = self.peek()?;
                self.i += 1;
                match e {
                    b'd' => Node::Set(vec![(b'0', b'9')], false),
                    _ => Node::Set(vec![(e, e)], false),
                }
            }
            b'.' => Node::Set(vec![(b'\n', b'\n')], true),
            b'*' | b'+' | b'?' | b'{' | b')' | b'|' => return None,
            _ => Node::Set(vec![(c, c)], false),
        })
    }

    fn class(&mut self) -> Option<Node> {
        let negated = self.peek() == Some(b'^');
        if negated {
            self.i += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek()?;
            self.i += 1;
            if c == b']' && !first {
                break;
            }
            first = false;
            let lo = if c == b'\\' {
                let e = self.peek()?;
                self.i += 1;
                if e == b'd' {
                    ranges.push((b'0', b'9'));
                    continue;
                }
                e
            } else {
                c
            };
            if self.peek() == Some(b'-') && self.s.get(self.i + 1).is_some_and(|&n| n != b']') {
                let hi = *self.s.get(self.i + 1)?;
                self.i += 2;
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Some(Node::Set(ranges, negated))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    fn repeat(&mut self, atom: Node) -> Option<Node> {
        let (min, max) = match self.peek() {
            Some(b'?') => (0, Some(1)),
            Some(b'*') => (0, None),
            Some(b'+') => (1, None),
            Some(b'{') => {
                self.i += 1;
                let min = self.number()?;
                let max = if self.peek() == Some(b',') {
                    self.i += 1;
                    if self.peek() == Some(b'}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some(b'}') || max.is_some_and(|m| m < min) || min > 32 {
                    return None;
                }
                self.i += 1;
                let node = Node::Repeat(Box::new(atom), min, max);
                return Some(node);
            }
            _ => return Some(atom),
        };
        self.i += 1;
        if self.peek() == Some(b'?') {
            // Lazy quantifiers do not occur in the metadata.
            return None;
        }
        Some(Node::Repeat(Box::new(atom), min, max))
    }
}

struct Compiler {
    prog: Vec<Inst>,
    sets: Vec<Vec<(u8, u8)>>,
}

impl Compiler {
    fn emit(&mut self, node: &Node) -> Option<()> {
        if self.prog.len() > 200_000 {
            return None;
        }
        match node {
            Node::Set(ranges, negated) => {
                self.sets.push(ranges.clone());
                self.prog.push(Inst::Set(self.sets.len() - 1, *negated));
            }
            Node::Start => self.prog.push(Inst::Start),
            Node::End => self.prog.push(Inst::End),
            Node::Group(inner, index) => {
                if let Some(k) = index {
                    self.prog.push(Inst::Save(2 * k));
                    self.emit(inner)?;
                    self.prog.push(Inst::Save(2 * k + 1));
                } else {
                    self.emit(inner)?;
                }
            }
            Node::Concat(items) => {
                for item in items {
                    self.emit(item)?;
                }
            }
            Node::Alt(arms) => {
                let mut jumps = Vec::new();
                for (i, arm) in arms.iter().enumerate() {
                    if i + 1 < arms.len() {
                        let split = self.prog.len();
                        self.prog.push(Inst::Split(split + 1, 0));
                        self.emit(arm)?;
                        jumps.push(self.prog.len());
                        self.prog.push(Inst::Jmp(0));
                        let next = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, next);
                    } else {
                        self.emit(arm)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.prog[j] = Inst::Jmp(end);
                }
            }
            Node::Repeat(inner, min, max) => {
                for _ in 0..*min {
                    self.emit(inner)?;
                }
                match max {
                    Some(max) => {
                        // Nested optionals: (x(x(x)?)?)? — greedy.
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            let split = self.prog.len();
                            self.prog.push(Inst::Split(split + 1, 0));
                            splits.push(split);
                            self.emit(inner)?;
                        }
                        let end = self.prog.len();
                        for s in splits {
                            self.prog[s] = Inst::Split(s + 1, end);
                        }
                    }
                    None => {
                        let split = self.prog.len();
                        self.prog.push(Inst::Split(split + 1, 0));
                        self.emit(inner)?;
                        self.prog.push(Inst::Jmp(split));
                        let end = self.prog.len();
                        self.prog[split] = Inst::Split(split + 1, end);
                    }
                }
            }
        }
        Some(())
    }
}

impl Re {
    /// Compile a metadata pattern (whitespace is ignored, as the crate compiles them).
    pub fn new(pattern: &str) -> Option<Re> {
        let bytes: Vec<u8> = pattern
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let mut p = Parser {
            s: &bytes,
            i: 0,
            groups: 0,
            depth: 0,
        };
        let node = p.alt()?;
        if p.i != bytes.len() {
            return None;
        }
        let mut c = Compiler {
            prog: Vec::new(),
            sets: Vec::new(),
        };
        c.prog.push(Inst::Save(0));
        c.emit(&node)?;
        c.prog.push(Inst::Save(1));
        c.prog.push(Inst::Match);
        Some(Re {
            prog: c.prog,
            sets: c.sets,
            groups: p.groups,
        })
    }

    /// Number of capture groups, group 0 included (`regex::Regex::captures_len`).
    pub fn captures_len(&self) -> usize {
        self.groups + 1
    }

    /// The leftmost-first match starting at position 0 of `text`, if any.
    pub fn captures_at_start(&self, text: &str) -> Option<Captures> {
        let mut slots = vec![None; 2 * (self.groups + 1)];
        let mut budget = 200_000u32;
        self.run(0, 0, text.as_bytes(), &mut slots, &mut budget)
            .then_some(Captures { slots })
    }

    fn run(
        &self,
        mut pc: usize,
        mut at: usize,
        text: &[u8],
        slots: &mut Vec<Option<usize>>,
        budget: &mut u32,
    ) -> bool {
        loop {
            if *budget == 0 {
                return false;
            }
            *budget -= 1;
            let Some(&inst) = self.prog.get(pc) else {
                return false;
            };
            match inst {
                Inst::Match => return true,
                Inst::Set(set, negated) => {
                    let Some(&b) = text.get(at) else {
                        return false;
                    };
                    let hit = self.sets[set].iter().any(|&(lo, hi)| lo <= b && b <= hi);
                    if hit == negated {
                        return false;
                    }
                    pc += 1;
                    at += 1;
                }
                Inst::Start => {
                    if at != 0 {
                        return false;
                    }
                    pc += 1;
                }
                Inst::End => {
                    if at != text.len() {
                        return false;
                    }
                    pc += 1;
                }
                Inst::Jmp(to) => pc = to,
                Inst::Save(k) => {
                    let old = slots.get(k).copied().flatten();
                    if let Some(slot) = slots.get_mut(k) {
                        *slot = Some(at);
                    }
                    if self.run(pc + 1, at, text, slots, budget) {
                        return true;
                    }
                    if let Some(slot) = slots.get_mut(k) {
                        *slot = old;
                    }
                    return false;
                }
                Inst::Split(a, b) => {
                    if self.run(a, at, text, slots, budget) {
                        return true;
                    }
                    pc = b;
                }
            }
        }
    }

    /// `regex::Regex::replace` of the match at position 0 with a `$n` template.
    pub fn replace_at_start(&self, text: &str, caps: &Captures, template: &str) -> String {
        let (start, end) = caps.get(0).unwrap_or((0, 0));
        let mut out = String::with_capacity(text.len() + template.len());
        out.push_str(text.get(..start).unwrap_or(""));
        let t = template.as_bytes();
        let mut i = 0;
        while i < t.len() {
            if t[i] == b'$' {
                // `$name` takes the longest run of [0-9A-Za-z_], like the regex crate.
                let mut j = i + 1;
                while j < t.len() && (t[j].is_ascii_alphanumeric() || t[j] == b'_') {
                    j += 1;
                }
                if j > i + 1 {
                    if let Ok(k) = template[i + 1..j].parse::<usize>() {
                        if let Some((s, e)) = caps.get(k) {
                            out.push_str(text.get(s..e).unwrap_or(""));
                        }
                    }
                    i = j;
                    continue;
                }
            }
            out.push(t[i] as char);
            i += 1;
        }
        out.push_str(text.get(end..).unwrap_or(""));
        out
    }
}
