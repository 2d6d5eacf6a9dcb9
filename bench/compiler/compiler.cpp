// A compiler-like C++ program for the heaptrack benchmark: it generates a deterministic source
// text, then lexes, parses (recursive descent), checks names in nested scopes, folds constants
// and emits code, with the standard library's strings, vectors, maps and unique_ptrs, as a real
// compiler front end does. Expression nesting makes the parser's recursion as deep as the source,
// so the same allocation sites are reached through thousands of distinct stacks; templates give
// long demangled names and inlined frames. Usage: compiler FUNCTIONS [SEED]
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace toy {

struct Rng {
  uint64_t s;
  unsigned next(unsigned n) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return unsigned(s >> 33) % n;
  }
};

// ---- source generation ----------------------------------------------------------------------

void genExpr(Rng &r, std::string &out, int depth) {
  unsigned k = depth > 7 ? r.next(2) : r.next(6);
  if (k == 0) out += std::to_string(r.next(1000));
  else if (k == 1) out += "v" + std::to_string(r.next(12));
  else if (k == 2) {
    out += "call f" + std::to_string(r.next(50)) + "(";
    genExpr(r, out, depth + 1);
    out += ")";
  } else {
    out += "(";
    genExpr(r, out, depth + 1);
    static const char *ops[] = {" + ", " * ", " - ", " / ", " < "};
    out += ops[r.next(5)];
    genExpr(r, out, depth + 1);
    out += ")";
  }
}

void genBlock(Rng &r, std::string &out, int depth) {
  out += "{\n";
  unsigned n = 1 + r.next(5);
  for (unsigned i = 0; i < n; i++) {
    unsigned k = depth > 3 ? r.next(2) : r.next(4);
    if (k == 0) {
      out += "let v" + std::to_string(r.next(12)) + " = ";
      genExpr(r, out, 0);
      out += ";\n";
    } else if (k == 1) {
      out += "ret ";
      genExpr(r, out, 0);
      out += ";\n";
    } else if (k == 2) {
      out += "if ";
      genExpr(r, out, 0);
      out += " ";
      genBlock(r, out, depth + 1);
    } else {
      out += "while ";
      genExpr(r, out, 0);
      out += " ";
      genBlock(r, out, depth + 1);
    }
  }
  out += "}\n";
}

// ---- lexer ----------------------------------------------------------------------------------

enum class Tok { Num, Ident, Punct, Keyword, End };
struct Token {
  Tok kind;
  std::string text;
  int line;
};

std::vector<Token> lex(const std::string &src) {
  std::vector<Token> toks;
  int line = 1;
  for (size_t i = 0; i < src.size();) {
    char c = src[i];
    if (c == '\n') { line++; i++; continue; }
    if (c == ' ') { i++; continue; }
    size_t j = i;
    Tok kind = Tok::Punct;
    if (isdigit(c)) { while (j < src.size() && isdigit(src[j])) j++; kind = Tok::Num; }
    else if (isalpha(c)) {
      while (j < src.size() && isalnum(src[j])) j++;
      std::string w = src.substr(i, j - i);
      kind = (w == "let" || w == "ret" || w == "if" || w == "while" || w == "fn" || w == "call") ? Tok::Keyword : Tok::Ident;
    } else j++;
    toks.push_back(Token{kind, src.substr(i, j - i), line});
    i = j;
  }
  toks.push_back(Token{Tok::End, "", line});
  return toks;
}

// ---- syntax tree ----------------------------------------------------------------------------

struct Node {
  std::string kind;
  std::string value;
  std::vector<std::unique_ptr<Node>> kids;
  explicit Node(std::string k, std::string v = "") : kind(std::move(k)), value(std::move(v)) {}
};
using NodePtr = std::unique_ptr<Node>;

// A compiler has thousands of functions that make nodes (one per grammar rule and node kind):
// 1,024 instantiations of one template, picked by the token's position, give the recording as
// many allocating functions, each with its own long demangled name.
template <unsigned Rule>
NodePtr makeNode(const std::string &kind, const std::string &value) {
  auto n = std::make_unique<Node>(kind, value);
  if constexpr (Rule % 3 == 0) n->kids.reserve(2);
  return n;
}
using NodeMaker = NodePtr (*)(const std::string &, const std::string &);
template <size_t... Rules>
constexpr auto makerTable(std::index_sequence<Rules...>) {
  return std::array<NodeMaker, sizeof...(Rules)>{&makeNode<Rules>...};
}
constexpr auto NODE_MAKERS = makerTable(std::make_index_sequence<1024>());
NodePtr node(size_t rule, const std::string &kind, const std::string &value = "") {
  return NODE_MAKERS[rule % NODE_MAKERS.size()](kind, value);
}

class Parser {
 public:
  explicit Parser(const std::vector<Token> &t) : toks(t) {}
  std::vector<NodePtr> program() {
    std::vector<NodePtr> fns;
    while (peek().kind != Tok::End) fns.push_back(function());
    return fns;
  }

 private:
  const std::vector<Token> &toks;
  size_t pos = 0;
  const Token &peek() const { return toks[pos]; }
  const Token &take() { return toks[pos++]; }

  NodePtr function() {
    take();  // fn
    auto fn = node(pos, "fn", take().text);
    take();  // (
    take();  // )
    fn->kids.push_back(block());
    return fn;
  }
  NodePtr block() {
    take();  // {
    auto b = node(pos, "block");
    while (peek().text != "}") b->kids.push_back(statement());
    take();
    return b;
  }
  NodePtr statement() {
    const Token &t = take();
    if (t.text == "let") {
      auto s = node(pos, "let", take().text);
      take();  // =
      s->kids.push_back(expr());
      take();  // ;
      return s;
    }
    if (t.text == "ret") {
      auto s = node(pos, "ret");
      s->kids.push_back(expr());
      take();
      return s;
    }
    auto s = node(pos, t.text);
    s->kids.push_back(expr());
    s->kids.push_back(block());
    return s;
  }
  NodePtr expr() {
    const Token &t = take();
    if (t.kind == Tok::Num) return node(pos, "num", t.text);
    if (t.kind == Tok::Ident) return node(pos, "var", t.text);
    if (t.text == "call") {
      auto c = node(pos, "call", take().text);
      take();
      c->kids.push_back(expr());
      take();
      return c;
    }
    auto lhs = expr();
    auto op = node(pos, "bin", take().text);
    op->kids.push_back(std::move(lhs));
    op->kids.push_back(expr());
    take();  // )
    return op;
  }
};

// ---- passes: a visitor template instantiated per pass -----------------------------------------

struct Scope {
  std::unordered_map<std::string, int> names;
  Scope *outer;
};

struct NameCheck {
  std::vector<std::unique_ptr<Scope>> scopes;
  std::map<std::string, int> undefined;
  void enter() { scopes.push_back(std::make_unique<Scope>(Scope{{}, scopes.empty() ? nullptr : scopes.back().get()})); }
  void leave() { scopes.pop_back(); }
  void visit(Node &n) {
    if (n.kind == "let") scopes.back()->names.emplace(n.value, int(scopes.size()));
    if (n.kind == "var") {
      bool found = false;
      for (Scope *s = scopes.back().get(); s && !found; s = s->outer) found = s->names.count(n.value) > 0;
      if (!found) undefined[n.value]++;
    }
  }
};

struct Folder {
  long folded = 0;
  void enter() {}
  void leave() {}
  void visit(Node &n) {
    if (n.kind != "bin" || n.kids[0]->kind != "num" || n.kids[1]->kind != "num") return;
    long a = std::strtol(n.kids[0]->value.c_str(), nullptr, 10);
    long b = std::strtol(n.kids[1]->value.c_str(), nullptr, 10);
    long v = n.value == "+" ? a + b : n.value == "*" ? a * b : n.value == "-" ? a - b : n.value == "<" ? a < b : b ? a / b : 0;
    n.kind = "num";
    n.value = std::to_string(v);
    n.kids.clear();
    folded++;
  }
};

struct Emitter {
  std::ostringstream out;
  std::vector<std::string> lines;
  void enter() { lines.emplace_back("enter"); }
  void leave() { lines.emplace_back("leave"); }
  void visit(Node &n) {
    out.str("");
    out << n.kind << ' ' << n.value << " ; " << n.kids.size();
    lines.push_back(out.str());
  }
};

template <class Pass>
void walk(Pass &pass, Node &n) {
  bool scope = n.kind == "block";
  if (scope) pass.enter();
  for (auto &k : n.kids) walk(pass, *k);
  pass.visit(n);
  if (scope) pass.leave();
}

}  // namespace toy

int main(int argc, char **argv) {
  int functions = argc > 1 ? std::atoi(argv[1]) : 2000;
  toy::Rng rng{argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 42};
  size_t lines = 0, tokens = 0;
  long folded = 0;
  std::map<std::string, int> undefined;
  // one translation unit per 50 functions, as a build compiles file after file
  for (int unit = 0; unit * 50 < functions; unit++) {
    std::string src;
    for (int f = unit * 50; f < functions && f < unit * 50 + 50; f++) {
      src += "fn f" + std::to_string(f) + "() ";
      toy::genBlock(rng, src, 0);
    }
    auto toks = toy::lex(src);
    tokens += toks.size();
    toy::Parser parser(toks);
    auto fns = parser.program();
    toy::NameCheck check;
    toy::Folder folder;
    toy::Emitter emit;
    for (auto &fn : fns) {
      toy::walk(check, *fn);
      toy::walk(folder, *fn);
      toy::walk(emit, *fn);
    }
    for (auto &u : check.undefined) undefined[u.first] += u.second;
    folded += folder.folded;
    lines += emit.lines.size();
  }
  std::printf("%d functions, %zu tokens, %ld folded, %zu lines, %zu undefined names\n", functions, tokens, folded, lines,
              undefined.size());
  return 0;
}
